using System.Globalization;

namespace Functional.Nets.Bench;

/// <summary>What the kernel says about this process and the machine (<c>/proc</c>): resident size, page faults, load.</summary>
public static class ResidentMemory
{
    /// <summary>Resident megabytes (MiB) now (<c>VmRSS</c> in <c>/proc/self/status</c>); NaN where /proc is absent.</summary>
    public static double Megabytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return double.NaN;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                // "VmRSS:     123456 kB"
                var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        return double.NaN;
    }

    /// <summary>Minor page faults of the process so far (field 10 of <c>/proc/self/stat</c>), or 0 where /proc is absent.</summary>
    public static long MinorFaults()
    {
        const string path = "/proc/self/stat";
        if (!File.Exists(path))
        {
            return 0;
        }

        // The command name (field 2) is parenthesized and may hold spaces: count fields after its closing parenthesis.
        var text = File.ReadAllText(path);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    /// <summary>The 1-, 5- and 15-minute load averages (<c>/proc/loadavg</c>), or an empty string.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";
}
