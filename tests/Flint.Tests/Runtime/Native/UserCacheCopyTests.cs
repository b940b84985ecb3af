using Flint.Runtime.Native;

namespace Flint.Tests.Runtime.Native;

public sealed class UserCacheCopyTests
{
    static bool IsWeak(string library) =>
        ElfSymbolVersioning.ReadRequirements(library).Single(n => n.Version == LibTorchSharpFix.Version).IsWeak;

    /// <summary>An application folder laid out like a package's: the stock library beside the libraries it loads through $ORIGIN.</summary>
    static string StockApp(TempFolder folder)
    {
        Assert.True(OperatingSystem.IsLinux(), "the ELF tests read a Linux shared library");
        var app = Directory.CreateDirectory(folder.File("app")).FullName;
        File.Copy(TestPaths.PristineLibTorchSharp, Path.Combine(app, "libLibTorchSharp.so"));
        File.WriteAllText(Path.Combine(app, "libc10.so"), "stand-in");
        File.WriteAllText(Path.Combine(app, "Flint.dll"), "not a library");
        return app;
    }

    [Fact]
    public void The_patched_copy_lives_in_the_cache_beside_links_to_its_sibling_libraries_and_the_original_is_untouched()
    {
        using var folder = TestPaths.NewTempFolder();
        var app = StockApp(folder);
        var original = Path.Combine(app, "libLibTorchSharp.so");
        var before = File.ReadAllBytes(original);

        var copy = UserCacheCopy.Ensure(original, folder.File("cache"));

        Assert.StartsWith(folder.File("cache"), copy);
        Assert.True(IsWeak(copy));
        Assert.False(IsWeak(original));
        Assert.Equal(before, File.ReadAllBytes(original));
        var link = new FileInfo(Path.Combine(Path.GetDirectoryName(copy)!, "libc10.so"));
        Assert.Equal(Path.Combine(app, "libc10.so"), link.LinkTarget);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(copy)!, "Flint.dll")));
    }

    [Fact]
    public void A_second_call_reuses_the_copy_and_another_install_gets_its_own()
    {
        using var folder = TestPaths.NewTempFolder();
        var original = Path.Combine(StockApp(folder), "libLibTorchSharp.so");
        var copy = UserCacheCopy.Ensure(original, folder.File("cache"));
        var stamp = File.GetLastWriteTimeUtc(copy);

        Assert.Equal(copy, UserCacheCopy.Ensure(original, folder.File("cache")));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));

        var other = Directory.CreateDirectory(folder.File("other")).FullName;
        File.Copy(original, Path.Combine(other, "libLibTorchSharp.so"));
        Assert.NotEqual(Path.GetDirectoryName(copy), Path.GetDirectoryName(UserCacheCopy.Ensure(Path.Combine(other, "libLibTorchSharp.so"), folder.File("cache"))));
    }

    [Fact]
    public void Flint_never_edits_a_library_inside_a_NuGet_package_folder()
    {
        using var folder = TestPaths.NewTempFolder();
        var package = Directory.CreateDirectory(folder.File("flint.cli/0.1.0")).FullName;
        File.WriteAllText(Path.Combine(package, ".nupkg.metadata"), "{}");
        var native = Directory.CreateDirectory(Path.Combine(package, "tools", "net10.0", "any", "runtimes", "linux-x64", "native")).FullName;
        var plain = Directory.CreateDirectory(folder.File("bin")).FullName;

        Assert.False(TorchNative.MayEdit(Path.Combine(native, "libLibTorchSharp.so")));
        Assert.True(TorchNative.MayEdit(Path.Combine(plain, "libLibTorchSharp.so")));
    }
}
