using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A memory block whose own address is handed to the device is memory the device reads: an
/// initialization block or a descriptor ring made of the same block type as every packet buffer. The
/// block type keeps its address in a member the configuration names as a physical source
/// (<c>Offset</c>) and stores through it (<c>Store32</c>); the driver keeps the block in a field. When
/// some body gives that field's block address to a device-visible sink, a physical address the block's
/// own store method writes into it is DMA001 (whatever the store method's name) — and that makes a block whose address is written there
/// device-visible in turn (a ring listed in an initialization block).
/// </summary>
public sealed class DMA001DeviceVisibleBlockTests
{
    private const string Platform = """
        namespace Core
        {
            public static class Port { public static void Write32(int port, uint value) { } }
            public unsafe sealed class Block
            {
                public ulong Offset;
                public Block(uint size) { Offset = (ulong)Heap.Alloc(size); }
                public void Store32(uint at, uint value) { *(uint*)(Offset + at) = value; }
                public uint Read32(uint at) => *(uint*)(Offset + at);
            }
            public static unsafe class Heap { public static byte* Alloc(uint size) => null; }
        }

        """;

    private const string Symbols = """
        F:Core.Block.Offset ; physical-source
        M:Core.Port.Write32(System.Int32,System.UInt32) ; bus-sink(value)
        """;

    private static Task Check(string source)
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test
        {
            TestCode = Verify<AddressProvenanceAnalyzer>.Usings + "using Core;\n" + source + Platform + Verify<AddressProvenanceAnalyzer>.PreludeFor(source + Platform),
        };
        test.SolutionTransforms.Add((solution, id) =>
            solution.WithProjectCompilationOptions(id, ((CSharpCompilationOptions)solution.GetProject(id)!.CompilationOptions!).WithAllowUnsafe(true)));
        test.TestState.AdditionalFiles.Add(("DmaDiscipline.txt", Symbols));
        return test.RunAsync();
    }

    [Theory]
    // The initialization block's address goes to the card; the ring addresses written into the block are
    // hand-offs, and so are the buffer addresses written into a ring listed there.
    [InlineData("""
        sealed class Nic
        {
            private Block _init = null!, _rx = null!;
            void Start()
            {
                _init = new Block(28);
                _rx = new Block(256);
                _init.Store32(0x00, 0x4 << 28);
                _init.Store32(0x14, {|DMA001:(uint)_rx.Offset|});
                Port.Write32(0x10, {|DMA001:(uint)_init.Offset|});
                var buffer = new Block(2048);
                _rx.Store32(8, {|DMA001:(uint)buffer.Offset|});
                _rx.Store32(4, 0x8000F000);
            }
        }
        """)]
    // The block's address handed over in another method than the stores.
    [InlineData("""
        sealed class Nic
        {
            private Block _ring = new Block(256);
            void Fill(Block buffer) { _ring.Store32(8, {|DMA001:(uint)buffer.Offset|}); }
            void Start() { Port.Write32(0x20, {|DMA001:(uint)_ring.Offset|}); }
        }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // Look-alike: the same stores into a block whose address no device is given (a CPU-side table).
    [InlineData("""
        sealed class Nic
        {
            private Block _table = new Block(256);
            void Fill(Block buffer) { _table.Store32(8, (uint)buffer.Offset); }
        }
        """)]
    // Look-alike: another block's address goes to the device; this one's does not.
    [InlineData("""
        sealed class Nic
        {
            private Block _ring = new Block(256), _scratch = new Block(64);
            void Start(Block buffer) { Port.Write32(0x20, {|DMA001:(uint)_ring.Offset|}); _scratch.Store32(0, (uint)buffer.Offset); }
        }
        """)]
    // Look-alike: a device-visible block read by the CPU; and a non-address value stored into it.
    [InlineData("""
        sealed class Nic
        {
            private Block _ring = new Block(256);
            void Start() { Port.Write32(0x20, {|DMA001:(uint)_ring.Offset|}); var status = _ring.Read32(4); _ring.Store32(12, status | 1); }
        }
        """)]
    public Task NotReported(string source) => Check(source);

    // The block type in another project: it publishes its store method as 'receiver-sink(value)', and the
    // driver project, which sees only its metadata, decides which of its blocks the device reads.
    private static readonly Lazy<Task<LibraryAssembly.Built>> Core = new(() => LibraryAssembly.BuildAsync(
        """
        namespace Core
        {
            public static class Port { public static void Write32(int port, uint value) { } }
            public unsafe sealed class Block
            {
                public ulong Offset;
                public Block(uint size) { Offset = (ulong)System.Runtime.InteropServices.Marshal.AllocHGlobal((int)size); }
                public void Store32(uint at, uint value) { *(uint*)(Offset + at) = value; }
                public static void Clear(ulong address, uint value) { *(uint*)address = value; }
                public void Log(uint at, uint value) => System.Console.WriteLine(at + value);
            }
        }
        """,
        "Core",
        Symbols,
        referenceRuntime: false));

    [Fact]
    public async Task A_block_type_of_another_project_publishes_its_store_into_the_receiver()
    {
        var built = await Core.Value;
        Assert.Contains("\"M:Core.Block.Store32(System.UInt32,System.UInt32) ; receiver-sink(value)\"", built.Generated, StringComparison.Ordinal);
        Assert.DoesNotContain("Log", built.Generated, StringComparison.Ordinal);
        Assert.DoesNotContain("Clear", built.Generated, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""
        sealed class Nic
        {
            private Core.Block _init = new Core.Block(28), _rx = new Core.Block(256), _table = new Core.Block(64);
            void Start(Core.Block buffer)
            {
                _init.Store32(0x14, {|DMA001:(uint)_rx.Offset|});
                Core.Port.Write32(0x10, {|DMA001:(uint)_init.Offset|});
                _rx.Store32(8, {|DMA001:(uint)buffer.Offset|});
                _rx.Store32(4, 0x8000F000);
                _table.Store32(0, (uint)buffer.Offset);
                _init.Log(0, (uint)buffer.Offset);
            }
        }
        """)]
    public async Task A_device_visible_block_of_another_projects_type_is_a_sink_for_its_stores(string source) =>
        await Verify<AddressProvenanceAnalyzer>.Analyzer(source, [("DmaDiscipline.txt", Symbols)], [(await Core.Value).Reference]);
}
