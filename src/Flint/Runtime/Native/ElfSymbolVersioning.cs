// This file is compiled twice, on purpose, so the ELF logic exists once:
//  * into Flint (FLINT_LIBRARY is defined), where `flint doctor`, the runtime's load check and the tests use it;
//  * by MSBuild's RoslynCodeTaskFactory (build/Flint.NativeFix.targets) as the task that patches every build
//    output carrying libLibTorchSharp.so. That compiler targets netstandard2.0, so this file stays plain C#:
//    no records, no spans, no BinaryPrimitives.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Flint.Runtime.Native
{
    /// <summary>One version requirement of a shared library (a Vernaux entry of <c>.gnu.version_r</c>).</summary>
    public sealed class ElfVersionNeed
    {
        internal ElfVersionNeed(string library, string version, ushort flags, long flagsOffset, IReadOnlyList<string> symbols)
        {
            Library = library; Version = version; Flags = flags; FlagsOffset = flagsOffset; Symbols = symbols;
        }

        /// <summary>The library the requirement is on, e.g. <c>libstdc++.so.6</c>.</summary>
        public string Library { get; }
        /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        public string Version { get; }
        /// <summary>The raw <c>vna_flags</c>.</summary>
        public ushort Flags { get; }
        /// <summary>True when <c>VER_FLG_WEAK</c> is set: the dynamic loader then tolerates a missing version.</summary>
        public bool IsWeak => (Flags & ElfSymbolVersioning.VerFlagWeak) != 0;
        /// <summary>The dynamic symbols bound to this version.</summary>
        public IReadOnlyList<string> Symbols { get; }
        internal long FlagsOffset { get; }
    }

    /// <summary>What <see cref="ElfSymbolVersioning.MarkWeak"/> did.</summary>
    public enum WeakenOutcome
    {
        /// <summary>The flag was set now.</summary>
        Patched,
        /// <summary>The flag was already set; the file was not written.</summary>
        AlreadyWeak,
        /// <summary>The file has no such requirement; the file was not written.</summary>
        NotRequired,
    }

    /// <summary>
    /// Reads and edits GNU symbol versioning in ELF shared libraries (little-endian, 32 or 64 bit).
    /// Flint uses it for one job: libLibTorchSharp.so references <c>GLIBCXX_3.4.32</c> for a symbol it never calls,
    /// which older libstdc++ (Debian 12) lacks; marking that requirement weak lets the loader accept the library.
    /// </summary>
    public static class ElfSymbolVersioning
    {
        /// <summary>The <c>VER_FLG_WEAK</c> bit of <c>vna_flags</c>.</summary>
        public const ushort VerFlagWeak = 0x2;
        const uint ShtDynsym = 11, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

        /// <summary>Lists every version requirement in <c>.gnu.version_r</c> with the symbols bound to it.</summary>
        public static IReadOnlyList<ElfVersionNeed> ReadRequirements(string path)
        {
            var elf = new ElfImage(path, File.ReadAllBytes(path));
            var needs = new List<ElfVersionNeed>();
            var verneed = elf.FindSection(ShtGnuVerneed);
            if (verneed == null) return needs;
            var symbolsByIndex = elf.SymbolsByVersionIndex();
            var strtab = elf.Sections[(int)verneed.Link];
            long at = verneed.Offset;
            for (uint i = 0; i < verneed.Info; i++)
            {
                ushort count = elf.U16(at + 2);
                string file = elf.CString(strtab.Offset + elf.U32(at + 4));
                long aux = at + elf.U32(at + 8);
                for (int j = 0; j < count; j++)
                {
                    ushort flags = elf.U16(aux + 4);
                    ushort other = elf.U16(aux + 6);
                    string name = elf.CString(strtab.Offset + elf.U32(aux + 8));
                    symbolsByIndex.TryGetValue(other, out var symbols);
                    needs.Add(new ElfVersionNeed(file, name, flags, aux + 4, symbols ?? new List<string>()));
                    uint nextAux = elf.U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = elf.U32(at + 12);
                if (next == 0) break;
                at += next;
            }
            return needs;
        }

        /// <summary>Lists the version names a library defines in <c>.gnu.version_d</c> (e.g. libstdc++'s GLIBCXX_*).</summary>
        public static ISet<string> ReadDefinitions(string path)
        {
            var elf = new ElfImage(path, File.ReadAllBytes(path));
            var names = new HashSet<string>(StringComparer.Ordinal);
            var verdef = elf.FindSection(ShtGnuVerdef);
            if (verdef == null) return names;
            var strtab = elf.Sections[(int)verdef.Link];
            long at = verdef.Offset;
            for (uint i = 0; i < verdef.Info; i++)
            {
                ushort count = elf.U16(at + 6);
                long aux = at + elf.U32(at + 12);
                // The first Verdaux names the version itself; the rest name its parents.
                if (count > 0) names.Add(elf.CString(strtab.Offset + elf.U32(aux)));
                uint next = elf.U32(at + 16);
                if (next == 0) break;
                at += next;
            }
            return names;
        }

        /// <summary>
        /// Sets <c>VER_FLG_WEAK</c> on the requirement of <paramref name="library"/> for <paramref name="version"/>.
        /// Writes a new file and renames it over the old one, so a hard link into a package cache is never modified.
        /// Idempotent. When <paramref name="onlySymbols"/> is given, refuses unless every symbol bound to the version is in it.
        /// </summary>
        public static WeakenOutcome MarkWeak(string path, string library, string version, ICollection<string>? onlySymbols = null)
        {
            ElfVersionNeed? need = null;
            foreach (var n in ReadRequirements(path))
                if (n.Library == library && n.Version == version) need = n;
            if (need == null) return WeakenOutcome.NotRequired;
            if (need.IsWeak) return WeakenOutcome.AlreadyWeak;
            if (onlySymbols != null)
                foreach (var s in need.Symbols)
                    if (!onlySymbols.Contains(s))
                        throw new InvalidDataException(
                            $"{path}: {version} of {library} is needed by symbol '{s}', which Flint does not know to be unused; refusing to mark it weak.");

            var bytes = File.ReadAllBytes(path);
            ushort flags = (ushort)(need.Flags | VerFlagWeak);
            bytes[need.FlagsOffset] = (byte)flags;
            bytes[need.FlagsOffset + 1] = (byte)(flags >> 8);
            string temp = path + ".flint-tmp";
            File.WriteAllBytes(temp, bytes);
            File.Replace(temp, path, null); // a rename: readers see the old file or the new one, never half of each
            return WeakenOutcome.Patched;
        }

        static Dictionary<ushort, List<string>> SymbolsByVersionIndex(this ElfImage elf)
        {
            var result = new Dictionary<ushort, List<string>>();
            var dynsym = elf.FindSection(ShtDynsym);
            var versym = elf.FindSection(ShtGnuVersym);
            if (dynsym == null || versym == null) return result;
            var strtab = elf.Sections[(int)dynsym.Link];
            long entry = elf.Is64 ? 24 : 16;
            long count = dynsym.Size / entry;
            for (long i = 0; i < count; i++)
            {
                ushort index = (ushort)(elf.U16(versym.Offset + 2 * i) & 0x7fff);
                if (index < 2) continue; // 0 local, 1 global: not a named version
                string name = elf.CString(strtab.Offset + elf.U32(dynsym.Offset + i * entry));
                if (!result.TryGetValue(index, out var list)) result[index] = list = new List<string>();
                list.Add(name);
            }
            return result;
        }
    }

    /// <summary>An ELF section header, reduced to the fields versioning needs.</summary>
    internal sealed class ElfSection
    {
        public uint Type; public long Offset; public long Size; public uint Link; public uint Info;
    }

    /// <summary>A whole ELF file in memory with bounds-checked little-endian reads.</summary>
    internal sealed class ElfImage
    {
        readonly string _path;
        readonly byte[] _b;
        public bool Is64 { get; }
        public List<ElfSection> Sections { get; } = new List<ElfSection>();

        public ElfImage(string path, byte[] bytes)
        {
            _path = path;
            _b = bytes;
            if (_b.Length < 52 || _b[0] != 0x7f || _b[1] != (byte)'E' || _b[2] != (byte)'L' || _b[3] != (byte)'F')
                throw Bad("not an ELF file (no \\x7fELF magic)");
            if (_b[5] != 1) throw Bad("big-endian ELF is not supported");
            Is64 = _b[4] == 2;
            long shoff = Is64 ? (long)U64(0x28) : U32(0x20);
            int shentsize = U16(Is64 ? 0x3A : 0x2E);
            long shnum = U16(Is64 ? 0x3C : 0x30);
            if (shoff == 0) return;
            // With 0xff00 or more sections, e_shnum is 0 and the real count lives in section 0's sh_size.
            if (shnum == 0) shnum = Is64 ? (long)U64(shoff + 0x20) : U32(shoff + 0x14);
            for (long i = 0; i < shnum; i++)
            {
                long h = shoff + i * shentsize;
                Sections.Add(Is64
                    ? new ElfSection { Type = U32(h + 4), Offset = (long)U64(h + 0x18), Size = (long)U64(h + 0x20), Link = U32(h + 0x28), Info = U32(h + 0x2C) }
                    : new ElfSection { Type = U32(h + 4), Offset = U32(h + 0x10), Size = U32(h + 0x14), Link = U32(h + 0x18), Info = U32(h + 0x1C) });
            }
        }

        public ElfSection? FindSection(uint type)
        {
            foreach (var s in Sections) if (s.Type == type) return s;
            return null;
        }

        public ushort U16(long at) { Check(at, 2); return (ushort)(_b[at] | _b[at + 1] << 8); }
        public uint U32(long at) { Check(at, 4); return (uint)(_b[at] | _b[at + 1] << 8 | _b[at + 2] << 16 | _b[at + 3] << 24); }
        public ulong U64(long at) => U32(at) | (ulong)U32(at + 4) << 32;

        public string CString(long at)
        {
            Check(at, 1);
            long end = at;
            while (end < _b.Length && _b[end] != 0) end++;
            return Encoding.UTF8.GetString(_b, (int)at, (int)(end - at));
        }

        void Check(long at, int size)
        {
            if (at < 0 || at + size > _b.Length) throw Bad($"truncated: a read of {size} bytes at offset {at} is past the end ({_b.Length} bytes)");
        }

        InvalidDataException Bad(string what) => new InvalidDataException($"{_path}: {what}.");
    }

#if !FLINT_LIBRARY
    /// <summary>The MSBuild task: marks GLIBCXX_3.4.32 weak in libLibTorchSharp.so when the system's libstdc++ lacks it.</summary>
    public sealed class WeakenMissingGlibcxx : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public string[] Files { get; set; } = Array.Empty<string>();

        public override bool Execute()
        {
            string? libstdcxx = SystemLibraries.FindLibStdCxx();
            if (libstdcxx == null) { Log.LogMessage("Flint native fix: no system libstdc++.so.6 found; nothing to do."); return true; }
            if (ElfSymbolVersioning.ReadDefinitions(libstdcxx).Contains(LibTorchSharpFix.Version))
            {
                Log.LogMessage($"Flint native fix: {libstdcxx} defines {LibTorchSharpFix.Version}; nothing to do.");
                return true;
            }
            foreach (var file in Files)
            {
                var outcome = LibTorchSharpFix.Apply(file);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"Flint native fix: {file}: {outcome}");
            }
            return true;
        }
    }
#endif

    /// <summary>The one fix Flint applies to libLibTorchSharp.so, and where to find the system's libstdc++.</summary>
    public static class LibTorchSharpFix
    {
        /// <summary>The version libLibTorchSharp.so needs that Debian 12's libstdc++ lacks.</summary>
        public const string Version = "GLIBCXX_3.4.32";
        /// <summary>The library that version is required from.</summary>
        public const string Library = "libstdc++.so.6";
        /// <summary>The only symbols allowed to bind to that version: referenced by libstdc++'s headers, never called.</summary>
        public static readonly string[] UnusedSymbols = { "_ZSt21ios_base_library_initv" };

        /// <summary>Marks the requirement weak in <paramref name="file"/>.</summary>
        public static WeakenOutcome Apply(string file) =>
            ElfSymbolVersioning.MarkWeak(file, Library, Version, new HashSet<string>(UnusedSymbols));
    }

    /// <summary>Finds system shared libraries the way the dynamic loader would on common Linux layouts.</summary>
    public static class SystemLibraries
    {
        static readonly string[] Folders =
        {
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/lib64", "/usr/lib64", "/lib", "/usr/lib",
        };

        /// <summary>The path of libstdc++.so.6, or null when none is found.</summary>
        public static string? FindLibStdCxx()
        {
            foreach (var folder in Folders)
            {
                var candidate = Path.Combine(folder, "libstdc++.so.6");
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        /// <summary>True when the system's libstdc++ lacks <see cref="LibTorchSharpFix.Version"/>, so the fix is needed.</summary>
        public static bool LibStdCxxLacksRequiredVersion()
        {
            var lib = FindLibStdCxx();
            return lib != null && !ElfSymbolVersioning.ReadDefinitions(lib).Contains(LibTorchSharpFix.Version);
        }
    }
}
