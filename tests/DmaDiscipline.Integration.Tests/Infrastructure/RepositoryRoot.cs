namespace DmaDiscipline.Integration.Tests.Infrastructure;

/// <summary>The repository whose packages are under test: the folder above the test assembly that holds DmaDiscipline.sln.</summary>
public static class RepositoryRoot
{
    /// <summary>Set to pack another checkout (a clean copy while the working tree is mid-edit).</summary>
    public const string OverrideVariable = "DMADISCIPLINE_IT_REPOSITORY";

    public static string Find()
    {
        if (Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DmaDiscipline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No DmaDiscipline.sln above {AppContext.BaseDirectory}.");
    }
}
