using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>A codebase's DmaDiscipline.txt given to every one of its compilations as an additional file.</summary>
internal sealed class SymbolsFile(string path) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(File.ReadAllText(path), Encoding.UTF8);

    public override string Path { get; } = System.IO.Path.GetFullPath(path);

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;

    /// <summary>The entries of the file (<c>id ; role</c>, spaces around the <c>;</c> normalised), with their line numbers: comments and blank lines skipped.</summary>
    public IEnumerable<(int Line, string Entry)> Entries()
    {
        foreach (var line in _text.Lines)
        {
            var content = line.ToString();
            var comment = content.IndexOfAny(['#']);
            var slashes = content.IndexOf("//", StringComparison.Ordinal);
            var end = new[] { comment, slashes, content.Length }.Where(i => i >= 0).Min();
            var entry = content[..end].Trim();
            if (entry.Length > 0)
            {
                yield return (line.LineNumber + 1, string.Join(" ; ", entry.Split(';').Select(part => part.Trim())));
            }
        }
    }

    /// <summary>The documentation comment ids the file names, with their line numbers (comments, blank lines and lines that name no symbol skipped).</summary>
    public IEnumerable<(int Line, string Id)> Ids()
    {
        foreach (var (line, entry) in Entries())
        {
            var separator = entry.IndexOf(';');
            var id = (separator < 0 ? entry : entry[..separator]).Trim();
            // Only documentation comment ids name symbols; a platform line such as "pointers ; physical-source" does not.
            if (id.Length > 2 && id[1] == ':')
            {
                yield return (line, id);
            }
        }
    }
}
