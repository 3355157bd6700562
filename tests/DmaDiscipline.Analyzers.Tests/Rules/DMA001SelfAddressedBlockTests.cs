using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A block that is its own address: a value of a physical type (a kernel's pointer struct, named
/// <c>T:… ; physical-source</c>) whose store method — the runtime's primitive, its body an intrinsic in another
/// project — writes where the value points (<c>receiver-sink(value)</c>). The driver keeps such a value in a field
/// or auto-property (a virtqueue's ring, a command buffer). When some body gives the field's value itself to a
/// device-visible sink (<c>QueueDesc = Ring.ToUInt64()</c>, or to a wrapper that puts it into a descriptor), the
/// field's memory is device-visible, and a physical address the store method writes into it is DMA001.
/// </summary>
public sealed class DMA001SelfAddressedBlockTests
{
    // The runtime's pointer struct and the HAL's MMIO accessor, in another project: the store is an extern intrinsic.
    private static readonly Lazy<Task<LibraryAssembly.Built>> Runtime = new(() => LibraryAssembly.BuildAsync(
        """
        namespace Rt
        {
            public readonly unsafe struct Ptr
            {
                private readonly void* _value;
                public Ptr(ulong value) { _value = (void*)value; }
                public ulong ToUInt64() => (ulong)_value;
                public void Store64(uint offset, ulong value) => Intrinsic.Store64(this, offset, value);
                public ulong Load64(uint offset) => Intrinsic.Load64(this, offset);
                public static Ptr operator +(Ptr p, uint offset) => new Ptr(p.ToUInt64() + offset);
            }

            public static class Intrinsic
            {
                [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
                public static extern void Store64(Ptr address, uint offset, ulong value);
                [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
                public static extern ulong Load64(Ptr address, uint offset);
            }

            public static class Heap { public static Ptr Allocate(uint size) => new Ptr(0x100000); }

            public static class Mmio { public static void Write64(uint register, ulong value) { } }
        }
        """,
        "Rt",
        referenceRuntime: false));

    private const string Symbols = """
        T:Rt.Ptr ; physical-source
        M:Rt.Ptr.Store64(System.UInt32,System.UInt64) ; receiver-sink(value)
        M:Rt.Mmio.Write64(System.UInt32,System.UInt64) ; bus-sink(value)
        """;

    private static async Task Check(string source) =>
        await Verify<AddressProvenanceAnalyzer>.Analyzer(source, [("DmaDiscipline.txt", Symbols)], [(await Runtime.Value).Reference]);

    [Theory]
    // The ring (an auto-property set by the constructor) is given to the device by its own value; the descriptor
    // helper stores through it: a physical address given to the helper is a hand-off, at the call.
    [InlineData("""
        sealed class Queue
        {
            public Rt.Ptr Ring { get; }
            public Queue() { Ring = Rt.Heap.Allocate(4096); }
            public void WriteDescriptor(uint index, ulong address) { Ring.Store64(index * 16, address); }
        }

        sealed class Transport
        {
            private Rt.Ptr _buffer = Rt.Heap.Allocate(512);
            void Start()
            {
                var queue = new Queue();
                Rt.Mmio.Write64(0x20, {|DMA001:queue.Ring.ToUInt64()|});
                queue.WriteDescriptor(0, {|DMA001:_buffer.ToUInt64()|});
            }
        }
        """)]
    // A command buffer kept in a field, given to the device through a wrapper that puts its address into a
    // descriptor of a device-visible ring: what is stored into the command buffer is read by the device too.
    [InlineData("""
        sealed class Gpu
        {
            private Rt.Ptr _ring = Rt.Heap.Allocate(4096);
            private Rt.Ptr _command = Rt.Heap.Allocate(48);
            void Start() { Rt.Mmio.Write64(0x20, {|DMA001:_ring.ToUInt64()|}); }
            void Send(Rt.Ptr header) { _ring.Store64(0, {|DMA001:header.ToUInt64()|}); }
            void Attach(Rt.Ptr frame)
            {
                _command.Store64(32, {|DMA001:frame.ToUInt64()|});
                Send({|DMA001:_command|});
            }
        }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // Look-alike: the same stores into a block whose own value no device is given (a CPU-side table).
    [InlineData("""
        sealed class Queue
        {
            private Rt.Ptr _table = Rt.Heap.Allocate(4096);
            void Fill(Rt.Ptr buffer) { _table.Store64(8, buffer.ToUInt64()); }
        }
        """)]
    // Look-alike: another block's value goes to the device, this one's does not; and a number that is not an
    // address (a length, a value read back) stored into the device-visible one.
    [InlineData("""
        sealed class Queue
        {
            private Rt.Ptr _ring = Rt.Heap.Allocate(4096), _scratch = Rt.Heap.Allocate(64);
            void Start(Rt.Ptr buffer)
            {
                Rt.Mmio.Write64(0x20, {|DMA001:_ring.ToUInt64()|});
                _scratch.Store64(0, buffer.ToUInt64());
                _ring.Store64(8, 512);
                _ring.Store64(16, _ring.Load64(24) | 1);
            }
        }
        """)]
    // Look-alike: a block whose *contents* go to the device (a value loaded through it), not its address.
    [InlineData("""
        sealed class Queue
        {
            private Rt.Ptr _staging = Rt.Heap.Allocate(64);
            void Start(Rt.Ptr buffer)
            {
                Rt.Mmio.Write64(0x28, _staging.Load64(0));
                _staging.Store64(0, buffer.ToUInt64());
            }
        }
        """)]
    public Task NotReported(string source) => Check(source);
}
