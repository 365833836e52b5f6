namespace Functional.Nets.Examples;

/// <summary>Where the repository is, so an example finds ../shared/data and its out folder from any working directory (compiled into every example that needs it).</summary>
internal static class Repository
{
    /// <summary>
    /// The nearest folder holding Functional.sln above the program (AppContext.BaseDirectory), else above the
    /// working directory, else the working directory itself.
    /// </summary>
    public static string Root()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Functional.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
