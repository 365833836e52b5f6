namespace Functional.Nets.Tests;

/// <summary>Files of the repository, found from the test's folder upwards (the folder holding Functional.sln).</summary>
public static class RepositoryFiles
{
    /// <summary>The absolute path of <paramref name="relative"/> (forward slashes) in the repository.</summary>
    public static string Path(string relative, [System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory, System.IO.Path.GetDirectoryName(sourceFile) ?? "/" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Functional.sln")))
                {
                    return System.IO.Path.Combine([dir.FullName, .. relative.Split('/')]);
                }
            }
        }

        throw new InvalidOperationException($"no folder holding Functional.sln above {AppContext.BaseDirectory}");
    }
}
