using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Functional.Nets.Torch;
using TorchSharp;

namespace Functional.Nets.Tests.Memory;

/// <summary>
/// <see cref="TorchBackend.LargeBuffersOnHugePages"/>: the loader turns libtorch's huge-page switch on unless the
/// environment that started the process set it, and a large libtorch CPU buffer then lies in a mapping the kernel
/// may back with huge pages (<c>THPeligible: 1</c> in <c>/proc/self/smaps</c>, which reflects the
/// <c>madvise(MADV_HUGEPAGE)</c> c10 made, whether or not a huge page was free at the time).
/// </summary>
public sealed class HugePageTests
{
    private const string Variable = "THP_MEM_ALLOC_ENABLE";

    [Fact]
    public void The_switch_is_on_unless_the_environment_chose()
    {
        // The runtime's copy of the environment is the one the process started with; the loader changes only libc's.
        var given = Environment.GetEnvironmentVariable(Variable);
        var expected = given is null ? OperatingSystem.IsLinux() : given == "1";
        Assert.Equal(expected, TorchBackend.LargeBuffersOnHugePages);
    }

    [Fact]
    public void A_large_libtorch_buffer_is_eligible_for_huge_pages_exactly_when_the_switch_and_the_kernel_allow()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads /proc/self/smaps and the kernel's THP setting: Linux only");
        var on = TorchBackend.LargeBuffersOnHugePages;
        var kernel = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
        var kernelAllows = !kernel.Contains("[never]", StringComparison.Ordinal);

        // 8 MiB of float32, above c10's 2 MiB threshold; written so that its pages exist.
        using var t = torch.empty(2 * 1024 * 1024, torch.ScalarType.Float32);
        t.fill_(1.0f);
        var eligible = Eligible(Address(t.bytes));
        Assert.True(eligible == (on && kernelAllows),
            $"THPeligible {eligible} for an 8 MiB tensor; switch {on}, kernel '{kernel.Trim()}'");
    }

    // The address a span starts at, without unsafe code: its distance from the null reference.
    private static long Address(Span<byte> bytes) =>
        (long)Unsafe.ByteOffset(ref Unsafe.NullRef<byte>(), ref MemoryMarshal.GetReference(bytes));

    // The THPeligible flag of the mapping holding the address, from /proc/self/smaps.
    private static bool Eligible(long address)
    {
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            // A mapping's header is "start-end perms offset dev inode [path]"; its fields are "Name: value".
            var range = line.Split(' ', 2)[0];
            var dash = range.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && range.Remove(dash, 1).All(char.IsAsciiHexDigit))
            {
                var start = long.Parse(range[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var end = long.Parse(range[(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                inside = start <= address && address < end;
            }
            else if (inside && line.StartsWith("THPeligible:", StringComparison.Ordinal))
            {
                return line["THPeligible:".Length..].Trim() == "1";
            }
        }

        throw new InvalidOperationException($"no mapping in /proc/self/smaps holds address 0x{address:x}, or it has no THPeligible line");
    }
}
