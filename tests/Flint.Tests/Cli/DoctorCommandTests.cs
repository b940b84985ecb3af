namespace Flint.Tests.Cli;

public sealed class DoctorCommandTests
{
    [Fact]
    public void Doctor_exits_zero_and_prints_the_libtorch_version_and_a_gflops_figure()
    {
        var (exit, output, _) = CliRunner.Run("doctor", "--gemm-size", "128");
        Assert.Equal(0, exit);
        Assert.Contains("libtorch", output);
        Assert.Matches(@"\d+\.\d+\.\d+", output);
        Assert.Matches(@"\d+(\.\d+)? GFLOP/s", output);
        Assert.Contains("Healthy", output);
    }

    [Fact]
    public void An_unknown_command_suggests_the_closest_one()
    {
        var (exit, output, error) = CliRunner.Run("doctr");
        Assert.NotEqual(0, exit);
        Assert.Contains("doctor", output + error);
        Assert.Contains("Did you mean", output + error);
    }

    [Fact]
    public void Version_prints_flints_version()
    {
        var (exit, output, _) = CliRunner.Run("--version");
        Assert.Equal(0, exit);
        Assert.Equal(Flint.FlintInfo.Version, output.Trim());
    }
}
