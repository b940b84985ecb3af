namespace Flint.Dashboard;

/// <summary>Where the dashboard reads runs and where it listens.</summary>
/// <param name="RunsRoot">The runs root; nothing outside it is ever served.</param>
/// <param name="Host">Address to bind; loopback by default.</param>
/// <param name="Port">Port (0 picks a free one).</param>
/// <param name="AllowRemote">Required to bind a non-loopback address.</param>
public sealed record DashboardOptions(string RunsRoot, string Host = "127.0.0.1", int Port = 8765, bool AllowRemote = false);
