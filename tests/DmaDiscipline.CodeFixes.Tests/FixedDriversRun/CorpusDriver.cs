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
}
