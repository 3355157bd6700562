namespace DmaDiscipline.Benchmarks.RealDrivers.Tests;

/// <summary>The DmaDiscipline repository these tests run in (its tests/RealDrivers folders are read as they are committed).</summary>
internal static class Repository
{
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DmaDiscipline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no DmaDiscipline.sln above {AppContext.BaseDirectory}");
    }
}
