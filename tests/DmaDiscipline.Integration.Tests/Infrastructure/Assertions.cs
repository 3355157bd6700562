namespace DmaDiscipline.Integration.Tests.Infrastructure;

public static class Assertions
{
    /// <summary>The build reported exactly the expected DMA diagnostics, each with <paramref name="severity"/>.</summary>
    public static void ReportsExactly(this ConsumerBuild build, IReadOnlyList<ExpectedDiagnostic> expected, string severity)
    {
        var actual = build.Dma;
        var missing = expected.Where(e => !actual.Any(e.Matches)).ToList();
        var unexpected = actual.Where(a => !expected.Any(e => e.Matches(a))).ToList();
        var wrongSeverity = actual.Where(a => a.Severity != severity).ToList();
        Assert.True(
            missing.Count == 0 && unexpected.Count == 0 && wrongSeverity.Count == 0 && actual.Count == expected.Count,
            $"""
            expected ({severity}): {string.Join("; ", expected)}
            missing: {string.Join("; ", missing)}
            unexpected: {string.Join("; ", unexpected)}
            not {severity}: {string.Join("; ", wrongSeverity)}
            {build.Result}
            """);
    }

    public static void Succeeded(this ConsumerBuild build) =>
        Assert.True(build.Result.ExitCode == 0, $"expected the build to succeed:\n{build.Result}");

    public static void Failed(this ConsumerBuild build) =>
        Assert.True(build.Result.ExitCode != 0, $"expected the build to fail:\n{build.Result}");
}
