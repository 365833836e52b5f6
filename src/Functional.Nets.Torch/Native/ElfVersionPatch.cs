using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace Functional.Nets.Torch.Native;

/// <summary>One version a shared library requires from one of its dependencies (an ELF <c>Vernaux</c> entry).</summary>
/// <param name="File">The dependency's file name as recorded in the <c>Verneed</c> entry, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Name">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">The entry's <c>vna_flags</c>; bit <see cref="ElfVersionPatch.VerFlagWeak"/> marks a weak (non-fatal) need.</param>
/// <param name="Index">The entry's <c>vna_other</c>: the version index that symbols in <c>.gnu.version</c> refer to.</param>
/// <param name="FlagsOffset">The file offset of the entry's <c>vna_flags</c> field.</param>
internal readonly record struct ElfVersionNeed(string File, string Name, ushort Flags, ushort Index, long FlagsOffset)
{
    /// <summary>True when the entry is already marked weak, so a missing version is not fatal to the loader.</summary>
    public bool IsWeak => (Flags & ElfVersionPatch.VerFlagWeak) != 0;
}

/// <summary>
/// A small, defensive reader for the symbol-versioning sections of ELF64 little-endian shared libraries,
/// and the one patch Functional.Nets needs: marking a required version weak.
/// </summary>
/// <remarks>
/// <para>
/// Why this exists: TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> was linked against GCC 13's libstdc++ and
/// so records a need for <c>GLIBCXX_3.4.32</c>. Debian 12 and Ubuntu 22.04 ship libstdc++ up to 3.4.30, and
/// glibc refuses to load a library whose non-weak version need is unmet. The only symbol bound to 3.4.32 is
/// <c>std::ios_base_library_init()</c>, which GCC 13's &lt;iostream&gt; references without any relocation, so
/// nothing is ever looked up under that version. Setting <c>VER_FLG_WEAK</c> on that one <c>Vernaux</c> entry
/// makes glibc accept the library; the patch refuses when a relocation does depend on the version, because
/// then the symbol would be unresolved at run time (with lazy binding: a crash at the first call).
/// </para>
/// <para>
/// Every offset and count read from the file is checked against the file length (and the enclosing
/// section) before use; a malformed file yields <see cref="InvalidDataException"/>, never an out-of-range read.
/// Sections are found by type through the section headers, not by name.
/// </para>
/// </remarks>
internal static class ElfVersionPatch
{
    /// <summary><c>VER_FLG_WEAK</c>: a version need whose absence is not fatal.</summary>
    public const ushort VerFlagWeak = 0x2;

    private const ushort VerFlagBase = 0x1;
    private const uint ShtRela = 4;
    private const uint ShtRel = 9;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const int ElfHeaderSize = 64;
    private const int SectionHeaderSize = 64;
    private const int VerneedSize = 16;
    private const int VernauxSize = 16;
    private const int VerdefSize = 20;
    private const int VerdauxSize = 8;
    private const int SymbolSize = 24;
    private const int MaxSections = 1 << 16;

    private static readonly string[] WellKnownLibStdCxxPaths =
    {
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    /// <summary>Lists every version need (<c>Verneed</c>/<c>Vernaux</c>) in the library's <c>.gnu.version_r</c> section.</summary>
    /// <param name="elf">The whole file's bytes.</param>
    /// <returns>The needs in file order; empty when the library has no version-needs section.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 little-endian file.</exception>
    public static IReadOnlyList<ElfVersionNeed> ReadVersionNeeds(ReadOnlySpan<byte> elf)
    {
        var sections = ReadSectionHeaders(elf);
        var result = new List<ElfVersionNeed>();
        foreach (var section in sections.Where(s => s.Type == ShtGnuVerneed))
        {
            ReadVersionNeeds(elf, sections, section, result);
        }

        return result;
    }

    /// <summary>The <c>GLIBCXX_*</c> versions the library requires, in ascending version order.</summary>
    /// <param name="elf">The whole file's bytes.</param>
    /// <returns>Distinct version names, e.g. <c>GLIBCXX_3.4.30</c>, <c>GLIBCXX_3.4.32</c>.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 little-endian file.</exception>
    public static IReadOnlyList<string> RequiredGlibcxxVersions(ReadOnlySpan<byte> elf) =>
        GlibcxxVersionsInOrder(ReadVersionNeeds(elf).Select(n => n.Name));

    /// <summary>The distinct <c>GLIBCXX_*</c> names among <paramref name="versionNames"/>, in ascending version order.</summary>
    /// <param name="versionNames">Any version names, e.g. from <see cref="ReadVersionDefinitions"/>.</param>
    /// <returns>The <c>GLIBCXX_*</c> names, so that the last one is the highest (<c>GLIBCXX_3.4.9</c> sorts before <c>GLIBCXX_3.4.30</c>).</returns>
    public static IReadOnlyList<string> GlibcxxVersionsInOrder(IEnumerable<string> versionNames) =>
        versionNames
            .Where(n => n.StartsWith("GLIBCXX_", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, VersionNameComparer.Instance)
            .ToList();

    /// <summary>The versions a library defines (its <c>.gnu.version_d</c> section), without the base (soname) entry.</summary>
    /// <param name="elf">The whole file's bytes, e.g. of <c>libstdc++.so.6</c>.</param>
    /// <returns>The set of defined version names, e.g. <c>GLIBCXX_3.4.30</c>, <c>CXXABI_1.3.13</c>.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 little-endian file.</exception>
    public static IReadOnlySet<string> ReadVersionDefinitions(ReadOnlySpan<byte> elf)
    {
        var sections = ReadSectionHeaders(elf);
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = LinkedSection(sections, section, "version definitions");
            var (start, end) = SectionBounds(elf, section);
            long at = start;
            // sh_info is the number of Verdef entries; it bounds the walk even if vd_next loops.
            for (uint i = 0; i < section.Info; i++)
            {
                CheckRange(at, VerdefSize, start, end, "Verdef entry");
                var flags = ReadU16(elf, at + 2);
                var auxCount = ReadU16(elf, at + 6);
                var aux = ReadU32(elf, at + 12);
                var next = ReadU32(elf, at + 16);
                if (auxCount > 0 && (flags & VerFlagBase) == 0)
                {
                    var auxAt = at + aux;
                    CheckRange(auxAt, VerdauxSize, start, end, "Verdaux entry");
                    result.Add(ReadString(elf, strtab, ReadU32(elf, auxAt)));
                }

                if (next == 0)
                {
                    break;
                }

                at += next;
            }
        }

        return result;
    }

    /// <summary>
    /// Returns a copy of <paramref name="elf"/> in which every <c>Vernaux</c> entry named in
    /// <paramref name="versionNames"/> has <see cref="VerFlagWeak"/> set; the input is not modified.
    /// </summary>
    /// <param name="elf">The whole file's bytes.</param>
    /// <param name="versionNames">Version names to weaken, e.g. <c>GLIBCXX_3.4.32</c>; each must occur in the file.</param>
    /// <returns>The patched copy; only the two-byte <c>vna_flags</c> fields differ from the input.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 little-endian file.</exception>
    /// <exception cref="InvalidOperationException">
    /// A named version is not required by the file, or a dynamic relocation refers to a symbol bound to it
    /// (weakening would then leave that symbol unresolved, so the patch is refused).
    /// </exception>
    public static byte[] WithWeakVersionNeeds(ReadOnlySpan<byte> elf, IReadOnlyCollection<string> versionNames)
    {
        ArgumentNullException.ThrowIfNull(versionNames);
        var needs = ReadVersionNeeds(elf);
        var copy = elf.ToArray();
        foreach (var name in versionNames)
        {
            var matches = needs.Where(n => n.Name == name).ToList();
            if (matches.Count == 0)
            {
                throw new InvalidOperationException($"The library does not require version '{name}', so there is nothing to weaken.");
            }

            foreach (var need in matches)
            {
                var relocated = RelocatedSymbolsBoundTo(elf, need.Index);
                if (relocated.Count > 0)
                {
                    throw new InvalidOperationException(
                        $"Version '{name}' cannot be made weak: dynamic relocations refer to symbols bound to it " +
                        $"({string.Join(", ", relocated.Take(5))}), which would be unresolved at run time.");
                }

                BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan((int)need.FlagsOffset, 2), (ushort)(need.Flags | VerFlagWeak));
            }
        }

        return copy;
    }

    /// <summary>Convenience overload of <see cref="WithWeakVersionNeeds"/> for one version name.</summary>
    /// <param name="elf">The whole file's bytes.</param>
    /// <param name="versionName">The version to weaken, e.g. <c>GLIBCXX_3.4.32</c>.</param>
    /// <returns>The patched copy.</returns>
    public static byte[] WithWeakVersionNeed(ReadOnlySpan<byte> elf, string versionName) =>
        WithWeakVersionNeeds(elf, new[] { versionName });

    /// <summary>
    /// Names of the dynamic symbols that a relocation refers to and whose <c>.gnu.version</c> entry is
    /// <paramref name="versionIndex"/>, i.e. symbols the loader must actually resolve under that version.
    /// </summary>
    /// <param name="elf">The whole file's bytes.</param>
    /// <param name="versionIndex">A version index (a <c>Vernaux</c>'s <c>vna_other</c>).</param>
    /// <returns>Distinct symbol names; empty when nothing depends on the version at load or call time.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 little-endian file.</exception>
    public static IReadOnlyList<string> RelocatedSymbolsBoundTo(ReadOnlySpan<byte> elf, ushort versionIndex)
    {
        var sections = ReadSectionHeaders(elf);
        var result = new List<string>();
        for (int dynsymIndex = 0; dynsymIndex < sections.Count; dynsymIndex++)
        {
            var dynsym = sections[dynsymIndex];
            if (dynsym.Type != ShtDynsym)
            {
                continue;
            }

            // .gnu.version has one 16-bit entry per .dynsym entry (its sh_link names the .dynsym);
            // no versym section means no versioned symbols.
            var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym && s.Link == (uint)dynsymIndex);
            if (versym.Type != ShtGnuVersym)
            {
                continue;
            }

            var (symStart, symEnd) = SectionBounds(elf, dynsym);
            var (verStart, verEnd) = SectionBounds(elf, versym);
            var symbolCount = (symEnd - symStart) / SymbolSize;
            var dynstr = LinkedSection(sections, dynsym, "dynamic symbols");

            foreach (var rel in sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == (uint)dynsymIndex))
            {
                var entrySize = rel.Type == ShtRela ? 24L : 16L;
                var (relStart, relEnd) = SectionBounds(elf, rel);
                for (long at = relStart; at + entrySize <= relEnd; at += entrySize)
                {
                    var symbol = ReadU64(elf, at + 8) >> 32;
                    if (symbol == 0)
                    {
                        continue; // relative relocation: no symbol
                    }

                    if ((long)symbol >= symbolCount)
                    {
                        throw new InvalidDataException($"Relocation at offset {at} refers to symbol {symbol}, beyond the {symbolCount} dynamic symbols.");
                    }

                    var versymAt = verStart + ((long)symbol * 2);
                    CheckRange(versymAt, 2, verStart, verEnd, "version symbol entry");
                    if ((ReadU16(elf, versymAt) & 0x7fff) != versionIndex)
                    {
                        continue;
                    }

                    var name = ReadString(elf, dynstr, ReadU32(elf, symStart + ((long)symbol * SymbolSize)));
                    if (!result.Contains(name, StringComparer.Ordinal))
                    {
                        result.Add(name);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Whether the libstdc++ that this process uses defines <paramref name="version"/>.
    /// </summary>
    /// <param name="version">A version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
    /// <param name="libraryPath">The libstdc++ file that was inspected, or null when none could be found.</param>
    /// <returns>True when the version is defined; false when it is not, or when no libstdc++ could be found.</returns>
    public static bool SystemLibStdCxxProvides(string version, out string? libraryPath)
    {
        var defined = SystemLibStdCxxVersions(out libraryPath);
        return defined.Contains(version);
    }

    /// <summary>
    /// The versions defined by the libstdc++ that this process uses (empty when none could be found).
    /// </summary>
    /// <param name="libraryPath">The libstdc++ file that was inspected, or null when none could be found.</param>
    /// <returns>The defined version names.</returns>
    /// <remarks>
    /// What matters is not "a" libstdc++ on disk but the one the dynamic linker binds libLibTorchSharp to.
    /// Once a library with soname <c>libstdc++.so.6</c> is loaded, every later <c>DT_NEEDED</c> on it is
    /// satisfied by that copy, whatever RUNPATH or LD_LIBRARY_PATH say. The .NET host (<c>dotnet</c>,
    /// <c>libhostpolicy</c>, <c>libcoreclr</c>) itself links libstdc++, so in a normal .NET process it is
    /// already mapped, and the file behind that mapping in <c>/proc/self/maps</c> is exactly the answer,
    /// including under conda environments, custom LD_LIBRARY_PATH or a newer GCC runtime. Where it is not yet
    /// loaded (e.g. a NativeAOT host), it is loaded by soname first, so the dynamic linker's own search
    /// (LD_LIBRARY_PATH, ld.so.cache, default directories) picks it, and then read from the maps. A fixed list
    /// of well-known paths is only the last resort, for systems without <c>/proc</c>.
    /// </remarks>
    public static IReadOnlySet<string> SystemLibStdCxxVersions(out string? libraryPath)
    {
        libraryPath = LoadedLibraryPath("libstdc++.so.6");
        if (libraryPath is null && NativeLibrary.TryLoad("libstdc++.so.6", out _))
        {
            libraryPath = LoadedLibraryPath("libstdc++.so.6");
        }

        libraryPath ??= WellKnownLibStdCxxPaths.FirstOrDefault(File.Exists);

        if (libraryPath is null)
        {
            return new HashSet<string>();
        }

        try
        {
            return ReadVersionDefinitions(File.ReadAllBytes(libraryPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new HashSet<string>();
        }
    }

    /// <summary>
    /// The absolute path of the first file mapped into this process whose file name is <paramref name="fileName"/>
    /// or starts with <paramref name="fileName"/> followed by a dot (so <c>libstdc++.so.6</c> matches
    /// <c>libstdc++.so.6.0.30</c>), from <c>/proc/self/maps</c>; null when none is mapped or the maps are unreadable.
    /// </summary>
    /// <param name="fileName">A file name such as <c>libstdc++.so.6</c> or <c>libtorch_cpu.so</c>.</param>
    /// <returns>The path, or null.</returns>
    public static string? LoadedLibraryPath(string fileName)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/maps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }

        foreach (var line in lines)
        {
            // Format: address perms offset dev inode pathname; the path starts at the first '/'.
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].Trim();
            if (path.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                path = path[..^" (deleted)".Length];
            }

            var name = Path.GetFileName(path);
            if (name == fileName || name.StartsWith(fileName + ".", StringComparison.Ordinal))
            {
                return path;
            }
        }

        return null;
    }

    private readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info);

    private static List<Section> ReadSectionHeaders(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < ElfHeaderSize)
        {
            throw new InvalidDataException($"File is {elf.Length} bytes, shorter than an ELF64 header.");
        }

        if (elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("Not an ELF file (bad magic).");
        }

        if (elf[4] != 2)
        {
            throw new InvalidDataException($"Not a 64-bit ELF file (EI_CLASS = {elf[4]}).");
        }

        if (elf[5] != 1)
        {
            throw new InvalidDataException($"Not a little-endian ELF file (EI_DATA = {elf[5]}).");
        }

        if (elf[6] != 1)
        {
            throw new InvalidDataException($"Unknown ELF version (EI_VERSION = {elf[6]}).");
        }

        var shoff = ReadU64(elf, 40);
        var shentsize = ReadU16(elf, 58);
        long shnum = ReadU16(elf, 60);
        if (shoff == 0)
        {
            return new List<Section>(); // no section headers (stripped of them): nothing to find
        }

        if (shentsize != SectionHeaderSize)
        {
            throw new InvalidDataException($"Unexpected section header size {shentsize} (expected {SectionHeaderSize}).");
        }

        if (shoff > (ulong)elf.Length || (ulong)elf.Length - shoff < SectionHeaderSize)
        {
            throw new InvalidDataException($"Section header table offset {shoff} lies outside the {elf.Length}-byte file.");
        }

        if (shnum == 0)
        {
            // Extended numbering: the real count is in section 0's sh_size.
            var extended = ReadU64(elf, (long)shoff + 32);
            if (extended > MaxSections)
            {
                throw new InvalidDataException($"Implausible section count {extended}.");
            }

            shnum = (long)extended;
        }

        if ((ulong)shnum * SectionHeaderSize > (ulong)elf.Length - shoff)
        {
            throw new InvalidDataException($"{shnum} section headers at offset {shoff} run past the end of the {elf.Length}-byte file.");
        }

        var sections = new List<Section>((int)shnum);
        for (long i = 0; i < shnum; i++)
        {
            var at = (long)shoff + (i * SectionHeaderSize);
            var offset = ReadU64(elf, at + 24);
            var size = ReadU64(elf, at + 32);
            sections.Add(new Section(
                ReadU32(elf, at + 4),
                offset > long.MaxValue ? long.MaxValue : (long)offset,
                size > long.MaxValue ? long.MaxValue : (long)size,
                ReadU32(elf, at + 40),
                ReadU32(elf, at + 44)));
        }

        return sections;
    }

    private static void ReadVersionNeeds(ReadOnlySpan<byte> elf, List<Section> sections, Section section, List<ElfVersionNeed> result)
    {
        var strtab = LinkedSection(sections, section, "version needs");
        var (start, end) = SectionBounds(elf, section);
        long at = start;
        // sh_info is the number of Verneed entries and vn_cnt the number of Vernaux per entry; these bound
        // both walks, so a malicious vn_next / vna_next cycle cannot loop forever.
        for (uint i = 0; i < section.Info; i++)
        {
            CheckRange(at, VerneedSize, start, end, "Verneed entry");
            var count = ReadU16(elf, at + 2);
            var file = ReadString(elf, strtab, ReadU32(elf, at + 4));
            var aux = ReadU32(elf, at + 8);
            var next = ReadU32(elf, at + 12);

            long auxAt = at + aux;
            for (int j = 0; j < count; j++)
            {
                CheckRange(auxAt, VernauxSize, start, end, "Vernaux entry");
                var flags = ReadU16(elf, auxAt + 4);
                var other = ReadU16(elf, auxAt + 6);
                var name = ReadString(elf, strtab, ReadU32(elf, auxAt + 8));
                var auxNext = ReadU32(elf, auxAt + 12);
                result.Add(new ElfVersionNeed(file, name, flags, other, auxAt + 4));
                if (auxNext == 0)
                {
                    break;
                }

                auxAt += auxNext;
            }

            if (next == 0)
            {
                break;
            }

            at += next;
        }
    }

    private static Section LinkedSection(List<Section> sections, Section section, string what)
    {
        if (section.Link == 0 || section.Link >= (uint)sections.Count)
        {
            throw new InvalidDataException($"The {what} section links to section {section.Link}, which does not exist.");
        }

        return sections[(int)section.Link];
    }

    private static (long Start, long End) SectionBounds(ReadOnlySpan<byte> elf, Section section)
    {
        if (section.Offset > elf.Length || section.Size > elf.Length - section.Offset)
        {
            throw new InvalidDataException(
                $"Section (type 0x{section.Type.ToString("x", CultureInfo.InvariantCulture)}) at offset {section.Offset} " +
                $"with size {section.Size} lies outside the {elf.Length}-byte file.");
        }

        return (section.Offset, section.Offset + section.Size);
    }

    private static void CheckRange(long at, long size, long start, long end, string what)
    {
        if (at < start || at > end || size > end - at)
        {
            throw new InvalidDataException($"{what} at offset {at} lies outside its section [{start}, {end}).");
        }
    }

    private static string ReadString(ReadOnlySpan<byte> elf, Section strtab, uint offset)
    {
        var (start, end) = SectionBounds(elf, strtab);
        if (offset >= end - start)
        {
            throw new InvalidDataException($"String offset {offset} lies outside its {end - start}-byte string table.");
        }

        var bytes = elf[(int)(start + offset)..(int)end];
        var nul = bytes.IndexOf((byte)0);
        if (nul < 0)
        {
            throw new InvalidDataException($"String at offset {offset} is not NUL-terminated within its string table.");
        }

        return Encoding.UTF8.GetString(bytes[..nul]);
    }

    private static ushort ReadU16(ReadOnlySpan<byte> elf, long at) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(elf, at, 2));

    private static uint ReadU32(ReadOnlySpan<byte> elf, long at) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(elf, at, 4));

    private static ulong ReadU64(ReadOnlySpan<byte> elf, long at) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(elf, at, 8));

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> elf, long at, int size)
    {
        if (at < 0 || at > elf.Length - size)
        {
            throw new InvalidDataException($"Read of {size} bytes at offset {at} lies outside the {elf.Length}-byte file.");
        }

        return elf.Slice((int)at, size);
    }

    /// <summary>Orders names like <c>GLIBCXX_3.4.9</c> before <c>GLIBCXX_3.4.30</c> (numeric parts compared as numbers).</summary>
    private sealed class VersionNameComparer : IComparer<string>
    {
        public static readonly VersionNameComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? string.Empty).Split('_', '.');
            var b = (y ?? string.Empty).Split('_', '.');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var c = long.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out var na)
                        && long.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out var nb)
                    ? na.CompareTo(nb)
                    : string.CompareOrdinal(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
