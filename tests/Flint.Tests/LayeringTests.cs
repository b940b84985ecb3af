namespace Flint.Tests;

/// <summary>The folders show the architecture, and dependencies point one way: the jobs use everything, nothing below them uses the jobs.</summary>
public sealed class LayeringTests
{
    [Theory]
    [InlineData("Flint.Workflow", "Runtime", "Training", "Logging", "Metrics", "Optim", "Text", "Models", "Objectives", "Finetuning", "Checkpoints", "Tracking", "Reports", "Config")]
    [InlineData("Flint.Tracking", "Runtime", "Training", "Logging", "Metrics", "Optim", "Text", "Models", "Objectives", "Finetuning", "Checkpoints", "Config")]
    public void Lower_layers_never_use_a_higher_one(string higher, params string[] lower)
    {
        var src = Path.Combine(TestPaths.RepoRoot, "src", "Flint");
        var offenders = lower.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(src, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => File.ReadLines(file).Any(line => line.StartsWith($"using {higher};", StringComparison.Ordinal) || line.Contains($" {higher}.", StringComparison.Ordinal)))
            .Select(file => Path.GetRelativePath(src, file)).ToList();
        Assert.True(offenders.Count == 0, $"{higher} is used by: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void No_source_file_is_over_400_lines()
    {
        var src = Path.Combine(TestPaths.RepoRoot, "src");
        var long_ = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(src, f), Lines: File.ReadLines(f).Count())).Where(f => f.Lines > 400).ToList();
        Assert.True(long_.Count == 0, string.Join(", ", long_.Select(f => $"{f.File} ({f.Lines} lines)")));
    }
}
