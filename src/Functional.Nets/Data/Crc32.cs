namespace Functional.Nets;

/// <summary>
/// CRC-32 as gzip (RFC 1952), zip and PNG define it: the reflected polynomial 0xEDB88320, initial value and
/// final XOR 0xFFFFFFFF. Computed here rather than taken from the System.IO.Hashing package so the core library
/// keeps no dependency for the sake of one table.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of the bytes seen so far (<paramref name="crc"/>, 0 for none) extended by <paramref name="bytes"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> bytes)
    {
        var c = ~crc;
        foreach (var b in bytes)
        {
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
