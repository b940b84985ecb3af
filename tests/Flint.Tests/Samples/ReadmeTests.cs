namespace Flint.Tests.Samples;

public sealed class ReadmeTests
{
    [Fact]
    public void The_readme_example_is_the_compiled_readme_sample_verbatim()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md")).ReplaceLineEndings("\n");
        int section = readme.IndexOf("## Train your own module", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no 'Train your own module' section");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var shown = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        var compiled = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "samples", "Readme", "Program.cs")).ReplaceLineEndings("\n");
        Assert.Equal(compiled.TrimEnd(), shown.TrimEnd());
        Assert.Contains("using Flint.Training.Events;", shown); // EventFilter's namespace, which the example uses
    }
}
