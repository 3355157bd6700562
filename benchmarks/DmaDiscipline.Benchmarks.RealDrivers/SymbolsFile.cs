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
}
