namespace DmaDiscipline.CodeFixes.Tests.FixedDriversRun;

/// <summary>
/// One buggy driver of the corpus: its files (under FixedDriversRun/Corpus, besides the shared ring), the type the
/// matrix binds, the rules its defects break, and — for a driver on a framework of its own — that framework's files
/// (compiled as a separate library) and the symbols file that tells the analyzers its roles.
/// </summary>
internal sealed record CorpusDriver(string Name, string TypeName, string[] Files, string[] Rules)
{
    public string[] FrameworkFiles { get; init; } = Array.Empty<string>();

    public string? SymbolsFile { get; init; }

    /// <summary>
    /// A gap of the code fixes this driver shows (what is not fixed, and why), or null. Its fixed variants are run and
    /// reported, not required to pass — and required to fail, so that closing the gap is noticed and the mark removed.
    /// </summary>
    public string? Gap { get; init; }

    /// <summary>What the defects are, for the report.</summary>
    public required string Defects { get; init; }

    /// <summary>
    /// Alternatives a fixer offers in this driver that are wrong for it. Each must still be offered, its title must say
    /// what the fixer does not know (<see cref="WrongAlternative.TitleSays"/>), and the driver it produces must compile,
    /// leave no diagnostic and fail at run time; the report shows that failure as the expected outcome of choosing it.
    /// Any other variant that fails at run time fails the test.
    /// </summary>
    public WrongAlternative[] WrongAlternatives { get; init; } = Array.Empty<WrongAlternative>();
}

/// <summary>
/// An alternative that is wrong for a corpus driver: the code action offered at a diagnostic inside
/// <paramref name="Method"/> whose title contains <paramref name="TitleSays"/> (the words that admit what the fixer does
/// not know), and why choosing it fails here.
/// </summary>
internal sealed record WrongAlternative(string Method, string TitleSays, string Why);
