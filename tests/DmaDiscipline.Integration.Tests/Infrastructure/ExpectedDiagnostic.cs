using System.Text.RegularExpressions;

namespace DmaDiscipline.Integration.Tests.Infrastructure;

/// <summary>
/// A diagnostic a consumer's source promises, written next to the code as a comment:
/// <c>// expect DMA001 at "buffer.PhysicalAddress.Value"</c> (or <c># expect ...</c> in a symbols file).
/// The line is the comment's line; the column is where the quoted text starts on it. The location lives in
/// the source, so editing a consumer cannot silently move what the tests check. <c>expect DMA004 (info) at</c>
/// marks a finding the analyzer itself reports as info rather than with its rule's severity.
/// </summary>
public sealed record ExpectedDiagnostic(string File, int Line, int Column, string Id, bool IsInfo = false)
{
    private static readonly Regex Marker = new("expect (?<id>[A-Z]+[0-9]+)(?<info> \\(info\\))? at \"(?<text>[^\"]+)\"", RegexOptions.Compiled);

    public override string ToString() => $"{File}({Line},{Column}): {Id}{(IsInfo ? " (info)" : "")}";

    public static IReadOnlyList<ExpectedDiagnostic> In(string file, string text)
    {
        var expected = new List<ExpectedDiagnostic>();
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            foreach (Match match in Marker.Matches(lines[index]))
            {
                var column = lines[index].IndexOf(match.Groups["text"].Value, StringComparison.Ordinal);
                if (column == match.Groups["text"].Index)
                {
                    throw new InvalidOperationException($"{file}({index + 1}): the text of '{match.Value}' occurs only in the marker itself.");
                }

                expected.Add(new ExpectedDiagnostic(file, index + 1, column + 1, match.Groups["id"].Value, match.Groups["info"].Success));
            }
        }

        return expected;
    }

    /// <summary>True when <paramref name="actual"/> is this diagnostic, whatever its severity.</summary>
    public bool Matches(BuildDiagnostic actual) =>
        actual.File == File && actual.Line == Line && actual.Column == Column && actual.Id == Id;
}
