using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001 where the platform hands a physical address (or a device-memory mapping) back through an out or ref
/// parameter, C style: <c>SystemCall.Translate(va, out pa)</c>. A symbols-file line names the parameter —
/// <c>physical-source(pa)</c>, <c>device-memory(mapped)</c> — and the argument holds that address after the call.
/// </summary>
public sealed class DMA001OutParameterSourceTests
{
    private const string Platform = """
        namespace Kern
        {
            public enum Status { Ok, Failed }
            public static class Sys
            {
                public static Status Translate(uint virtualAddress, out uint physicalAddress) { physicalAddress = 0; return Status.Ok; }
                public static Status MapPages(uint physicalAddress, uint count, out uint mapped) { mapped = 0; return Status.Ok; }
                public static Status Lookup(uint key, out uint value) { value = key; return Status.Ok; }
                public static void Refresh(ref uint physicalAddress) { }
                public static void Out32(ushort port, uint value) { }
            }
        }
        """;

    private const string Symbols = """
        M:Kern.Sys.Translate(System.UInt32,System.UInt32@) ; physical-source(physicalAddress)
        M:Kern.Sys.MapPages(System.UInt32,System.UInt32,System.UInt32@) ; device-memory(mapped)
        M:Kern.Sys.Refresh(System.UInt32@) ; physical-source(physicalAddress)
        M:Kern.Sys.Out32(System.UInt16,System.UInt32) ; bus-sink(value)
        """;

    private static Task Check(string source, params DiagnosticResult[] expected) =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(Platform + source, [("DmaDiscipline.txt", Symbols)], expected);

    [Fact]
    public Task The_out_argument_holds_a_physical_address_after_the_call() => Check("""
        unsafe class Uhci
        {
            void Start(uint* frameList)
            {
                uint pa;
                if (Kern.Sys.Translate((uint)frameList, out pa) != Kern.Status.Ok) return;
                Kern.Sys.Out32(0x08, {|DMA001:pa|});
            }
        }
        """);

    [Fact]
    public Task Through_a_declared_out_variable_and_a_wrapper_that_returns_it() => Check("""
        unsafe class Ehci
        {
            static void* PhysOf(void* va)
            {
                Kern.Sys.Translate((uint)va, out var address);
                return (void*)address;
            }

            void Link(uint* td, void* next) => Kern.Sys.Out32(0x10, {|DMA001:(uint)PhysOf(next) & 0xFFFFFFF0u|});
        }
        """);

    [Fact]
    public Task Through_two_wrappers_the_driver_keeps_in_the_declaration_of_a_status() => Check("""
        unsafe class Uhci
        {
            uint* _frameList;

            private static void* PhysOf(void* va) => PhysOf((uint)va);

            private static void* PhysOf(uint va)
            {
                uint address = 0xFFFFFFFF;
                Kern.Status result = Kern.Sys.Translate(va, out address);
                if (result != Kern.Status.Ok)
                {
                    throw new System.InvalidOperationException("no physical address");
                }

                return (void*)address;
            }

            void Start() => Kern.Sys.Out32(0x08, {|DMA001:(uint)PhysOf(_frameList)|});
        }
        """);

    /// <summary>
    /// What a local's initialiser writes on the way stays written: the walk once set the local on the state from before
    /// the initialiser ran, so an out argument or a nested assignment inside it was lost.
    /// </summary>
    [Fact]
    public Task Writes_inside_a_locals_initialiser_are_kept() => Check("""
        class Nic
        {
            static bool TryPhys(KBuffer buffer, out ulong pa) { pa = buffer.PhysicalAddress.Value; return true; }

            void Start(KBuffer buffer, Regs regs)
            {
                ulong pa;
                var ok = TryPhys(buffer, out pa);
                regs.QueueDesc = {|DMA001:pa|};
                ulong again;
                var copy = (again = buffer.PhysicalAddress.Value) + 0;
                regs.QueueDesc = {|DMA001:again|};
            }
        }
        """);

    [Fact]
    public Task A_ref_argument_the_call_fills_holds_it_too() => Check("""
        class Nic
        {
            void Start(uint page)
            {
                uint pa = 0;
                Kern.Sys.Refresh(ref pa);
                Kern.Sys.Out32(0x20, {|DMA001:pa|});
            }
        }
        """);

    [Fact]
    public Task A_mapping_returned_through_an_out_parameter_is_device_memory() => Check("""
        unsafe class Ehci
        {
            uint* _regs;

            void Start(uint bar, void* queueHead)
            {
                Kern.Sys.MapPages(bar, 1, out var mapped);
                _regs = (uint*)mapped;
                Kern.Sys.Translate((uint)queueHead, out var pa);
                *(_regs + 6) = {|DMA001:pa|};
            }
        }
        """);

    [Fact]
    public Task An_out_parameter_marked_DeviceMemory_gives_its_argument_device_memory() => Check("""
        unsafe class Hal
        {
            public static void MapBar(int index, [DeviceMemory] out byte* registers) { registers = null; }
        }

        unsafe class Nic
        {
            void Start(KBuffer rx)
            {
                Hal.MapBar(0, out var regs);
                *(ulong*)(regs + 0x2800) = {|DMA001:rx.PhysicalAddress.Value|};
                *(uint*)(regs + 0x2808) = (uint)rx.Length;
            }
        }
        """);

    [Fact]
    public Task Look_alikes_stay_quiet() => Check("""
        unsafe class Driver
        {
            uint* _regs;

            void Start(uint bar, uint key, void* queueHead)
            {
                // Another out parameter of the same shape, not configured: a value, not an address.
                Kern.Sys.Lookup(key, out var value);
                Kern.Sys.Out32(0x08, value);
                // The status the source returns is not the address.
                var status = Kern.Sys.Translate((uint)queueHead, out var pa);
                Kern.Sys.Out32(0x0C, (uint)status);
                // The physical address compared and kept by the CPU, and the virtual address stored into the mapping.
                if (pa == 0) return;
                Kern.Sys.MapPages(bar, 1, out var mapped);
                _regs = (uint*)mapped;
                *(_regs + 7) = (uint)queueHead;
                // The out variable overwritten before it reaches the device.
                pa = 0x1;
                Kern.Sys.Out32(0x10, pa);
            }
        }
        """);
}
