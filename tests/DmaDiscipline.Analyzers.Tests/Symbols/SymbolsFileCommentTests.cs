using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.Analyzers.Tests.Symbols;

/// <summary>
/// A symbols file's comments: <c>#</c> at a line's start or after white space, and <c>//</c>. A <c>#</c> inside an id is
/// a constructor's (<c>#ctor</c>, <c>#cctor</c>), and the line keeps it.
/// </summary>
public sealed class SymbolsFileCommentTests
{
    [Theory]
    [InlineData("M:Hal.Doorbell.#ctor(System.UInt64) ; bus-sink(ring)", "M:Hal.Doorbell.#ctor(System.UInt64)", "ring")]
    [InlineData("M:Hal.Doorbell.#ctor(System.UInt64) ; bus-sink(ring)   # the doorbell is rung when it is made", "M:Hal.Doorbell.#ctor(System.UInt64)", "ring")]
    [InlineData("M:Hal.Doorbell.#ctor(System.UInt64) ; bus-sink(ring) // programmed at construction", "M:Hal.Doorbell.#ctor(System.UInt64)", "ring")]
    [InlineData("M:Hal.Port.Out(System.UInt64) ; bus-sink\t# tab before the comment", "M:Hal.Port.Out(System.UInt64)", null)]
    public void A_line_keeps_its_id_and_loses_its_comment(string line, string id, string? parameter)
    {
        var entry = Assert.Single(Parse(line));

        Assert.Equal(id, entry.DocumentationId);
        Assert.Equal(parameter, entry.ParameterName);
    }

    [Theory]
    [InlineData("# M:Hal.Port.Out(System.UInt64) ; bus-sink")]
    [InlineData("   #M:Hal.Port.Out(System.UInt64) ; bus-sink")]
    [InlineData("// M:Hal.Port.Out(System.UInt64) ; bus-sink")]
    public void A_comment_line_is_no_entry(string line) => Assert.Empty(Parse(line));

    private static List<SymbolsFile.Entry> Parse(string line)
    {
        var entries = new List<SymbolsFile.Entry>();
        var errors = new List<SymbolsFile.Error>();
        SymbolsFile.Parse("DmaDiscipline.txt", SourceText.From(line), entries, errors);
        Assert.Empty(errors);
        return entries;
    }
}
