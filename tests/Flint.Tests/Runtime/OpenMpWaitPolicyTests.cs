using System.Diagnostics;

namespace Flint.Tests.Runtime;

/// <summary>
/// libtorch's OpenMP threads spin by default, which made small models 10–30× slower whenever another process shared the
/// cores (the demo's tests took 15 minutes instead of one beside a second job). Flint asks for the passive policy before
/// libtorch loads, unless the user chose one.
/// </summary>
public sealed class OpenMpWaitPolicyTests
{
    static string Doctor(string? policy)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll"));
        start.ArgumentList.Add("doctor");
        start.Environment["COLUMNS"] = "400";
        if (policy is null) start.Environment.Remove("OMP_WAIT_POLICY"); // this test process has it set (by Flint, through the test module initializer)
        else start.Environment["OMP_WAIT_POLICY"] = policy;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    [Fact]
    public void A_process_gets_the_passive_policy_unless_the_user_chose_one()
    {
        Assert.Contains("PASSIVE (set by Flint)", Doctor(null));
        var active = Doctor("ACTIVE");
        Assert.Contains("ACTIVE (from OMP_WAIT_POLICY)", active);
        Assert.DoesNotContain("set by Flint", active);
        // And in this process, where the test module initializer ran Flint's preparation before any tensor existed.
        Assert.False(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")));
    }
}
