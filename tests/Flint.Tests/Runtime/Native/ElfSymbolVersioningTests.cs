using System.Security.Cryptography;
using Flint.Runtime.Native;

namespace Flint.Tests.Runtime.Native;

public sealed class ElfSymbolVersioningTests
{
    static string CopyOfPristineLibrary(TempFolder folder)
    {
        Assert.True(OperatingSystem.IsLinux(), "the ELF tests read a Linux shared library");
        var copy = folder.File("libLibTorchSharp.so");
        File.Copy(TestPaths.PristineLibTorchSharp, copy);
        return copy;
    }

    [Fact]
    public void Stock_library_requires_GLIBCXX_3_4_32_for_one_unused_symbol_and_not_weakly()
    {
        var need = ElfSymbolVersioning.ReadRequirements(TestPaths.PristineLibTorchSharp)
            .Single(n => n.Version == LibTorchSharpFix.Version);
        Assert.Equal(LibTorchSharpFix.Library, need.Library);
        Assert.False(need.IsWeak);
        Assert.Equal(LibTorchSharpFix.UnusedSymbols, need.Symbols);
    }

    [Fact]
    public void Marking_the_requirement_weak_sets_only_that_flag_and_leaves_every_other_byte_alone()
    {
        using var folder = TestPaths.NewTempFolder();
        var copy = CopyOfPristineLibrary(folder);
        var before = ElfSymbolVersioning.ReadRequirements(copy);

        Assert.Equal(WeakenOutcome.Patched, LibTorchSharpFix.Apply(copy));

        var after = ElfSymbolVersioning.ReadRequirements(copy);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].Version, after[i].Version);
            var expectWeak = before[i].Version == LibTorchSharpFix.Version || before[i].IsWeak;
            Assert.Equal(expectWeak, after[i].IsWeak);
        }
        var original = File.ReadAllBytes(TestPaths.PristineLibTorchSharp);
        var patched = File.ReadAllBytes(copy);
        Assert.Equal(original.Length, patched.Length);
        var differing = Enumerable.Range(0, original.Length).Count(i => original[i] != patched[i]);
        Assert.Equal(1, differing); // VER_FLG_WEAK lives in the low byte of vna_flags
    }

    [Fact]
    public void Patching_twice_is_a_no_op_the_second_time()
    {
        using var folder = TestPaths.NewTempFolder();
        var copy = CopyOfPristineLibrary(folder);
        LibTorchSharpFix.Apply(copy);
        var hash = SHA256.HashData(File.ReadAllBytes(copy));
        var stamp = File.GetLastWriteTimeUtc(copy);

        Assert.Equal(WeakenOutcome.AlreadyWeak, LibTorchSharpFix.Apply(copy));
        Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(copy)));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void Patching_writes_a_new_file_so_another_name_for_the_same_bytes_is_untouched()
    {
        using var folder = TestPaths.NewTempFolder();
        var shared = CopyOfPristineLibrary(folder);
        var link = folder.File("linked.so");
        File.CreateSymbolicLink(link, shared); // like a hard link from a build output into the package cache
        var hash = SHA256.HashData(File.ReadAllBytes(shared));

        LibTorchSharpFix.Apply(link);

        Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(shared)));
        Assert.True(ElfSymbolVersioning.ReadRequirements(link).Single(n => n.Version == LibTorchSharpFix.Version).IsWeak);
    }

    [Fact]
    public void A_version_needed_by_symbols_not_known_to_be_unused_is_refused_with_the_symbol_named()
    {
        using var folder = TestPaths.NewTempFolder();
        var copy = CopyOfPristineLibrary(folder);
        var busy = ElfSymbolVersioning.ReadRequirements(copy).First(n => n.Library == "libstdc++.so.6" && n.Symbols.Count > 1);

        var error = Assert.Throws<InvalidDataException>(() =>
            ElfSymbolVersioning.MarkWeak(copy, busy.Library, busy.Version, LibTorchSharpFix.UnusedSymbols));
        Assert.Contains(busy.Version, error.Message);
        Assert.Contains(busy.Symbols[0], error.Message);
        Assert.Equal(File.ReadAllBytes(TestPaths.PristineLibTorchSharp), File.ReadAllBytes(copy));
    }

    [Fact]
    public void A_file_without_the_requirement_is_reported_as_not_required()
    {
        using var folder = TestPaths.NewTempFolder();
        var copy = CopyOfPristineLibrary(folder);
        Assert.Equal(WeakenOutcome.NotRequired, ElfSymbolVersioning.MarkWeak(copy, "libstdc++.so.6", "GLIBCXX_99.9"));
    }

    [Fact]
    public void A_file_that_is_not_ELF_or_is_truncated_is_rejected_with_its_path()
    {
        using var folder = TestPaths.NewTempFolder();
        var text = folder.File("not-elf.so");
        File.WriteAllText(text, "this is not a shared library, just text long enough to have a header's worth of bytes in it");
        var notElf = Assert.Throws<InvalidDataException>(() => ElfSymbolVersioning.ReadRequirements(text));
        Assert.Contains(text, notElf.Message);

        var truncated = folder.File("truncated.so");
        File.WriteAllBytes(truncated, File.ReadAllBytes(TestPaths.PristineLibTorchSharp).AsSpan(0, 4096).ToArray());
        var cut = Assert.Throws<InvalidDataException>(() => ElfSymbolVersioning.ReadRequirements(truncated));
        Assert.Contains("truncated", cut.Message);
    }

    [Fact]
    public void The_system_libstdcxx_defines_its_base_version()
    {
        var lib = SystemLibraries.FindLibStdCxx();
        Assert.NotNull(lib);
        Assert.Contains("GLIBCXX_3.4", ElfSymbolVersioning.ReadDefinitions(lib!));
    }

    [Fact]
    public void The_test_hosts_own_copy_is_fixed_exactly_when_the_system_needs_it()
    {
        var inOutput = TorchNative.FindLibTorchSharpInAppFolder();
        Assert.NotEmpty(inOutput);
        foreach (var file in inOutput)
        {
            var need = ElfSymbolVersioning.ReadRequirements(file).Single(n => n.Version == LibTorchSharpFix.Version);
            Assert.Equal(SystemLibraries.LibStdCxxLacksRequiredVersion(), need.IsWeak);
        }
    }
}
