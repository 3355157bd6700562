using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Per-allocation-site content: <c>g.Data.Base</c>, where the field <c>Data</c> only ever holds blocks made by
/// <c>new Block(…)</c> and <c>Block.Base</c> is set only by Block's constructor, is what those <c>new</c>s gave
/// it — a hard-coded address given to one block is not lost among the real addresses other blocks are made with.
/// </summary>
public sealed class DMA008MadeMemberTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    /// <summary>A memory block: its base is set by its constructor only. Other blocks are made at real addresses.</summary>
    private const string Block = """
        class Block
        {
            public readonly ulong Base;
            public readonly ulong Size;
            public Block(ulong at, ulong size) { Base = at; Size = size; }
        }
        class Window
        {
            public ulong Base { get; }
            public Window(ulong at) { Base = at; }
        }
        class Elsewhere
        {
            private readonly Block _rx;
            public Elsewhere(DmaApi dma, KBuffer buf) { _rx = new Block(dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice).Value, 64); }
        }
        """;

    private static string Reader(string expression) => "class Hw { void F(Group g, Regs regs) { regs.QueueDesc = " + expression + "; } }";

    [Theory]
    // Made at one constant, in the holder's own constructor.
    [InlineData("class Group { public Block Data; public Group(ulong n) { Data = new Block(0x0046C000, n * 1024); } }", "{|DMA008:g.Data.Base|}")]
    // By the field's initializer.
    [InlineData("class Group { public readonly Block Data = new Block(0x0046C000, 4096); }", "{|DMA008:g.Data.Base|}")]
    // An auto-property holder; a get-only auto-property member.
    [InlineData("class Group { public Window Data { get; private set; } public void Init() { Data = new Window(0xFEE00000); } }", "{|DMA008:g.Data.Base|}")]
    // Two sites, two constants: every object it holds is at a hard-coded address.
    [InlineData("class Group { public Block Data; public Group() { Data = new Block(0x0046C000, 512); } public void Grow() { Data = new Block(0x00500000, 8192); } }", "{|DMA008:g.Data.Base|}")]
    // A const and an enum member; a local of the reading body.
    [InlineData("enum Area : ulong { Data = 0x0046C000 } class Group { public Block Data; public Group() { Data = new Block((ulong)Area.Data, 512); } }", "{|DMA008:g.Data.Base|}")]
    [InlineData("class Group { const ulong Fis = 0x00408000; public Block Data; public Group() { Data = new Block(Fis, 256); } }", "{|DMA008:g.Data.Base + 0x40|}")]
    public Task A_hard_coded_address_a_held_object_is_made_with(string group, string read) => Check(Block + group + Reader(read));

    [Fact]
    public Task A_private_holder_read_in_its_own_type() =>
        Check(Block + """
            class Group
            {
                private readonly Block _data = new Block(0x0046C000, 4096);
                public void Start(Regs regs) { var at = _data.Base; regs.QueueDesc = {|DMA008:at|}; }
            }
            """);

    [Theory]
    // The holder is also given a parameter: the block may be anyone's.
    [InlineData("class Group { public Block Data; public Group() { Data = new Block(0x0046C000, 512); } public void Use(Block other) { Data = other; } }")]
    // Or a method's result.
    [InlineData("class Group { public Block Data; public Group() { Data = new Block(0x0046C000, 512); } public void Reset() { Data = Make(); } static Block Make() => new Block(0x0046C000, 512); }")]
    // Or is written through a ref.
    [InlineData("class Group { public Block Data; public Group() { System.Threading.Interlocked.Exchange(ref Data, new Block(0x0046C000, 512)); } }")]
    // A derived block (its constructor chains to set the base): not followed.
    [InlineData("class Big : Block { public Big(ulong at) : base(at, 1 << 20) { } } class Group { public Block Data = new Big(0x0046C000); }")]
    // Flag-like small values: below a page a constant is an offset or a flag, not an address.
    [InlineData("class Group { public Block Data; public Group() { Data = new Block(0x1, 512); } }")]
    [InlineData("class Group { public Block Data; public Group() { Data = new Block(0x800, 512); } }")]
    // One site brings a real mapping.
    [InlineData("class Group { public Block Data; public Group() { Data = new Block(0x0046C000, 512); } public void Map(DmaApi dma, KBuffer buf) { Data = new Block(dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value, 64); } }")]
    // Any other value: a conditional of a new and null.
    [InlineData("class Group { public Block Data; public Group(bool later) { Data = later ? null! : new Block(0x0046C000, 512); } }")]
    public Task Not_known_to_be_made_at_a_hard_coded_address(string group) => Check(Block + group + Reader("g.Data.Base"));

    [Fact]
    public Task A_member_also_set_outside_the_constructor_is_one_content_for_every_object() =>
        Check("""
            class Block { public ulong Base; public Block(ulong at) { Base = at; } public void Move(ulong to) { Base = to; } }
            class Group { public Block Data; public Group() { Data = new Block(0x0046C000); } }
            """ + Reader("g.Data.Base"));

    [Fact]
    public Task A_physical_address_a_held_object_is_made_with_is_reported_where_it_is_given_to_the_constructor() =>
        Check(Block + """
            class Group { public Block Data; public void Init(KBuffer buf) { Data = new Block({|DMA001:buf.PhysicalAddress.Value|}, 64); } }
            """ + Reader("g.Data.Base"));

    [Fact]
    public Task Two_sites_a_constant_and_a_physical_address_each_reported_once() =>
        // No object the field holds has a real bus address: DMA008 at the read (the constant), DMA001 where the physical address enters.
        Check(Block + """
            class Group { public Block Data; public Group() { Data = new Block(0x0046C000, 512); } public void Init(KBuffer buf) { Data = new Block({|DMA001:buf.PhysicalAddress.Value|}, 64); } }
            """ + Reader("{|DMA008:g.Data.Base|}"));
}
