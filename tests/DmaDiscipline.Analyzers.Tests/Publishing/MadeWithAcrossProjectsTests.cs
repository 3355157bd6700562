using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// Per-allocation-site content across a project reference: the library project makes its blocks (<c>new Block(0x0046C000, n)</c>)
/// and publishes what each field's blocks are made with (<c>made-with</c> lines); the driver project that reads
/// <c>g.Data.Base</c> — seeing neither the <c>new</c> nor the block's constructor — knows the base is a hard-coded address.
/// </summary>
public sealed class MadeWithAcrossProjectsTests
{
    private const string Library = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public class Block
            {
                public readonly ulong Base;
                public Block(ulong at, ulong size) { Base = at; }
            }

            public class Group
            {
                public Block Data;            // one constant
                public Block Ring;            // a physical address
                public Block Mixed;           // a constant at one site, a physical address at another
                public Block Settable;        // also given a parameter
                public Block Small;           // a flag-sized value
                public Block Mapped;          // a constant and a real mapping

                public Group(uint sectors)
                {
                    Data = new Block(0x0046C000, sectors * 1024);
                    Mixed = new Block(0x00500000, 512);
                    Settable = new Block(0x00600000, 512);
                    Small = new Block(0x10, 512);
                    Mapped = new Block(0x00700000, 512);
                }

                public void Init(KBuffer buf, DmaApi dma)
                {
                    Ring = new Block(buf.PhysicalAddress.Value, 64);
                    Mixed = new Block(buf.PhysicalAddress.Value, 64);
                    Mapped = new Block(dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value, 64);
                }

                public void Use(Block block) { Settable = block; }
            }
        }
        """;

    private static readonly Lazy<Task<LibraryAssembly.Built>> Built = new(() => LibraryAssembly.BuildAsync(Library, name: "Blocks"));

    private static async Task Check(string source) =>
        await Verify<AddressProvenanceAnalyzer>.Analyzer(source, [], [(await Built.Value).Reference]);

    [Fact]
    public async Task The_library_publishes_what_each_field_s_blocks_are_made_with()
    {
        var built = await Built.Value;
        Assert.Empty(built.GeneratorDiagnostics);
        var published = built.Generated.Split('\n')
            .Where(line => line.Contains("made-with", StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(", \"", StringComparison.Ordinal) + 3)..line.LastIndexOf('"')])
            .ToArray();
        string[] expected =
        [
            "F:Lib.Group.Data ; made-with(Base: constant 0x0046C000)",
            "F:Lib.Group.Mixed ; made-with(Base: physical-source)",
            "F:Lib.Group.Ring ; made-with(Base: physical-source)",
        ];
        Assert.Equal(expected, published);
    }

    [Theory]
    [InlineData("regs.QueueDesc = {|DMA008:g.Data.Base|};")]
    [InlineData("var at = g.Data.Base + 0x200; regs.QueueDesc = {|DMA008:at|};")]
    // A physical address: DMA001 where the driver hands it over (the library's new reaches no sink in the library).
    [InlineData("regs.QueueDesc = {|DMA001:g.Ring.Base|};")]
    [InlineData("regs.QueueDesc = {|DMA001:g.Mixed.Base|};")]
    public Task A_block_the_referenced_project_made(string body) =>
        Check("class D { void F(Lib.Group g, Regs regs) { " + body + " } }");

    [Theory]
    [InlineData("regs.QueueDesc = g.Settable.Base;")]  // also given a parameter: anyone's block
    [InlineData("regs.QueueDesc = g.Small.Base;")]     // a flag-sized value
    [InlineData("regs.QueueDesc = g.Mapped.Base;")]    // a constant at one site, a real mapping at another
    [InlineData("Log.Value(g.Data.Base);")]            // given to no sink
    public Task Not_known_to_be_a_hard_coded_address(string body) =>
        Check("class D { void F(Lib.Group g, Regs regs) { " + body + " } }");

    [Fact]
    public Task A_driver_that_writes_the_field_itself_does_not_apply_the_summary() =>
        Check("class D { void F(Lib.Group g, Regs regs, DmaApi dma, KBuffer buf) { g.Data = new Lib.Block(dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value, 64); regs.QueueDesc = g.Data.Base; } }");

    [Fact]
    public async Task Every_made_with_line_names_its_member_in_the_referencing_project() =>
        await Verify<SymbolsFileAnalyzer>.Analyzer("class D { }", [], [(await Built.Value).Reference]);
}
