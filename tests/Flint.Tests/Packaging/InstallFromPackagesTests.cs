using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Flint.Runtime.Native;

namespace Flint.Tests.Packaging;

/// <summary>
/// Installs Flint the way a new user would (issue 17), end to end, in a temporary HOME and an empty folder: pack the solution
/// into a local feed, install the `flint` tool from it, run doctor and a 5-step pretraining, install the template, make a
/// project and test it against the Flint package from the feed. Skipped only when `dotnet pack` cannot run here (no SDK).
/// NuGet reads this machine's package folder as a read-only fallback, so nothing is downloaded and nothing there is written.
/// </summary>
[Trait("Category", "Packaging")]
public sealed class InstallFromPackagesTests
{
    static readonly string Version = FlintInfo.Version;
    static readonly string Rid = RuntimeInformation.RuntimeIdentifier;

    [SkippableFact]
    public void A_new_user_installs_the_tool_and_the_template_from_packages_and_both_work()
    {
        var dotnet = Sdk();
        Skip.If(dotnet is null, "No .NET SDK here: 'dotnet pack' is impossible.");
        var clock = Stopwatch.StartNew();
        using var root = TestPaths.NewTempFolder();
        var home = Directory.CreateDirectory(root.File("home")).FullName;
        var feed = Directory.CreateDirectory(root.File("feed")).FullName;
        var work = Directory.CreateDirectory(root.File("work")).FullName;
        var tools = root.File("tools");
        var packages = root.File("nuget-packages");
        File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="flint-local" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{TestPaths.NuGetPackageRoot}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        var env = Environment(home, packages);
        string Run(string what, string arguments, string? folder = null, int expectExit = 0) =>
            Exec(dotnet!, what, arguments, folder ?? work, env, expectExit);

        // 1. Pack the solution into the feed (this platform's tool package only; build outputs outside the clone).
        Run("dotnet", $"pack \"{Path.Combine(TestPaths.RepoRoot, "Flint.sln")}\" -c Release -o \"{feed}\" --artifacts-path \"{root.File("artifacts")}\" " +
            $"-p:ToolPackageRuntimeIdentifiers={Rid} -p:ContinuousIntegrationBuild=true");
        var packed = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(new[] { "Flint", "Flint.Cli", $"Flint.Cli.{Rid}", "Flint.Dashboard", "Flint.Templates" }.Select(id => $"{id}.{Version}.nupkg").Order(), packed);
        var packTime = clock.Elapsed;
        foreach (var package in Directory.GetFiles(feed, "*nupkg")) AssertClean(package, root.Path);

        // 2. The tool: installed, healthy, fixed where it may be (never in its own store), and it trains on the bundled corpus.
        Run("dotnet", $"tool install --tool-path \"{tools}\" Flint.Cli --version {Version} --add-source \"{feed}\"");
        var flint = Path.Combine(tools, "flint");
        Assert.Equal(Version, Exec(flint, "flint", "--version", work, env).Trim());
        var doctor = Exec(flint, "flint", "doctor --gemm-size 128", work, env);
        Assert.Contains("Healthy", doctor);
        var installed = Path.Combine(tools, ".store", "flint.cli", Version, $"flint.cli.{Rid}", Version, "tools", "net10.0", Rid);
        if (SystemLibraries.LibStdCxxLacksRequiredVersion())
        {
            Assert.Contains(nameof(NativeFixState.AppliedInUserCache), doctor);
            Assert.False(ElfSymbolVersioning.ReadRequirements(Path.Combine(installed, "libLibTorchSharp.so")).Single(n => n.Version == LibTorchSharpFix.Version).IsWeak,
                "the tool's installed copy of libLibTorchSharp.so was edited; the fix belongs in the per-user cache");
            var cached = Assert.Single(Directory.GetDirectories(Path.Combine(home, ".cache", "flint", "native")));
            Assert.True(ElfSymbolVersioning.ReadRequirements(Path.Combine(cached, "libLibTorchSharp.so")).Single(n => n.Version == LibTorchSharpFix.Version).IsWeak);
        }
        else Assert.Contains(nameof(NativeFixState.NotNeeded), doctor);
        var run = Path.Combine(work, "runs", "first");
        Exec(flint, "flint", $"pretrain --data \"{Path.Combine(installed, "data", "tinyshakespeare", "input.txt")}\" --model.preset nano --trainer.max-steps 5 " +
            $"--trainer.progress false --out \"{run}\"", work, env);
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))))
        {
            Assert.Equal(5, summary.RootElement.GetProperty("final_step").GetInt64());
            Assert.Equal(Version, summary.RootElement.GetProperty("flint_version").GetString());
        }

        // 3. The template: a new project that references the Flint package from the feed, and whose tests pass.
        Run("dotnet", $"new install Flint.Templates::{Version} --add-source \"{feed}\"");
        Run("dotnet", "new flint-module -n MyIdea");
        var project = Path.Combine(work, "MyIdea");
        var tested = Run("dotnet", "test", project);
        Assert.Contains("Passed!", tested);
        using (var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "obj", "project.assets.json"))))
            Assert.Equal("package", assets.RootElement.GetProperty("targets").GetProperty("net10.0").GetProperty($"Flint/{Version}").GetProperty("type").GetString());
        Assert.True(Directory.Exists(Path.Combine(packages, "flint", Version)), "Flint was not restored from the local feed");

        Console.WriteLine($"packaging test: pack {packTime.TotalSeconds:F0} s, total {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>
    /// No test data, no build leftovers, and no absolute path of this machine (the clone, the build folder, the package
    /// cache, the home folder) in any file of ours, text or binary. Third-party binaries (libtorch…) are not ours to judge.
    /// </summary>
    static void AssertClean(string package, string buildRoot)
    {
        var name = Path.GetFileName(package);
        var forbidden = new[] { TestPaths.RepoRoot, buildRoot, TestPaths.NuGetPackageRoot, System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile) }
            .Where(p => p.Length > 1).Select(p => p.TrimEnd('/') + "/").Distinct().ToList();
        string[] ours = [".nuspec", ".json", ".xml", ".targets", ".props", ".cs", ".md", ".rels", ".psmdcp", ".csproj", ".pdb"];
        using var zip = ZipFile.OpenRead(package);
        foreach (var entry in zip.Entries)
        {
            var path = entry.FullName;
            Assert.False(path.StartsWith('/') || path.Contains(':', StringComparison.Ordinal), $"{name}: absolute entry name {path}");
            // The template's own Tests/ folder is content; the repository's tests/ and its TestData/ are not.
            foreach (var leftover in new[] { "TestData/", "tests/Flint", "obj/", "bin/", ".flint-tmp", "runs/", "TestResults/", ".git/", ".vs/" })
                Assert.False(path.Contains(leftover, StringComparison.Ordinal), $"{name}: {path} looks like {leftover.Trim('/')}");
            if (!entry.Name.StartsWith("Flint", StringComparison.Ordinal) && !ours.Contains(Path.GetExtension(entry.Name))) continue;
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            foreach (var absolute in forbidden)
            {
                Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes(absolute)) < 0, $"{name}: {path} contains the absolute path {absolute}");
                Assert.True(IndexOf(bytes, Encoding.Unicode.GetBytes(absolute)) < 0, $"{name}: {path} contains the absolute path {absolute} (UTF-16)");
            }
        }
    }

    static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    static Dictionary<string, string?> Environment(string home, string packages)
    {
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = home, ["DOTNET_CLI_HOME"] = home, ["XDG_CACHE_HOME"] = null, ["NUGET_PACKAGES"] = packages,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1", ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false", [TorchNative.ModeVariable] = null, [UserCacheCopy.CacheVariable] = null,
        };
        // The test host runs under MSBuild/VSTest: their variables would steer the nested builds.
        foreach (var key in System.Environment.GetEnvironmentVariables().Keys.Cast<string>())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key is "DOTNET_HOST_PATH" or "DOTNET_STARTUP_HOOKS")
                env[key] = null;
        return env;
    }

    static string Exec(string file, string what, string arguments, string folder, Dictionary<string, string?> env, int expectExit = 0)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (key, value) in env)
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{what} {arguments}' did not finish in 8 minutes:\n{output.Result}\n{error.Result}");
        }
        var printed = output.Result + error.Result;
        Assert.True(process.ExitCode == expectExit, $"'{what} {arguments}' in {folder} exited {process.ExitCode}:\n{printed}");
        return printed;
    }

    /// <summary>The dotnet that runs these tests, if it has an SDK (a runtime alone cannot pack).</summary>
    static string? Sdk()
    {
        var host = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        var candidates = new[] { host, Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"), "dotnet" };
        foreach (var candidate in candidates.Where(c => !string.IsNullOrEmpty(c)))
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(candidate!, "--list-sdks") { RedirectStandardOutput = true, UseShellExecute = false })!;
                var sdks = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode == 0 && sdks.Trim().Length > 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not there: try the next
            }
        }
        return null;
    }
}
