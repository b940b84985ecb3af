using System.Net;
using System.Net.NetworkInformation;

namespace Flint.Dashboard;

/// <summary>
/// The <c>Host</c> names the dashboard answers to: loopback names and addresses, the address it was told to bind, and,
/// when that is a wildcard (0.0.0.0, ::), this machine's own names and addresses. Any other name means a page on another
/// site reached the server through DNS rebinding, and is answered with 400.
/// </summary>
internal sealed class HostCheck
{
    readonly HashSet<string> _allowed = new(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1" };

    public HostCheck(string boundHost)
    {
        var bound = Bare(boundHost);
        _allowed.Add(bound);
        if (IPAddress.TryParse(bound, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
        {
            _allowed.Add(Environment.MachineName);
            _allowed.Add(Dns.GetHostName());
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                    _allowed.Add(unicast.Address.ToString());
        }
    }

    /// <summary>Whether a request with this <c>Host</c> header value (name, optional port) is for this server.</summary>
    public bool Allows(string? hostHeader)
    {
        if (string.IsNullOrEmpty(hostHeader)) return false;
        var host = hostHeader;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            host = host[1..close];
        }
        else if (host.IndexOf(':', StringComparison.Ordinal) is >= 0 and var colon) host = host[..colon];
        return _allowed.Contains(host);
    }

    static string Bare(string host) => host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
}
