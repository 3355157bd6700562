using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>The same rules for another driver framework: roles from the symbols file and from the runtime's attributes.</summary>
public sealed class ConfigurationTests
{
    private const string VendorHal = """
        namespace Vendor
        {
            public enum XferDirection { ToDevice, FromDevice }
            public readonly struct IoAddr { public IoAddr(ulong value) { Value = value; } public ulong Value { get; } }
            public sealed class Buf { public byte[] Data = new byte[64]; public ulong Phys => 0; }
            public sealed class Dma
            {
                public IoAddr Map(Buf buf, int length, XferDirection direction) => default;
                public void Unmap(IoAddr address, int length, XferDirection direction) { }
                public bool Failed(IoAddr address) => false;
            }
            public sealed class Regs { public ulong QueueBase; }
        }
        """;

    private const string VendorSymbols = """
        # Vendor HAL roles
        T:Vendor.IoAddr ; bus-address
        P:Vendor.Buf.Phys ; physical-source
        F:Vendor.Regs.QueueBase ; bus-sink
        M:Vendor.Dma.Map(Vendor.Buf,System.Int32,Vendor.XferDirection) ; map
        M:Vendor.Dma.Unmap(Vendor.IoAddr,System.Int32,Vendor.XferDirection) ; unmap
        M:Vendor.Dma.Failed(Vendor.IoAddr) ; mapping-error-check
        """;

    [Fact]
    public Task A_vendor_framework_gets_DMA001_from_the_symbols_file() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            VendorHal + "class D { void F(Vendor.Buf buf, Vendor.Regs regs) { regs.QueueBase = {|DMA001:buf.Phys|}; } }",
            [("DmaDiscipline.txt", VendorSymbols)]);

    [Fact]
    public Task A_vendor_framework_gets_the_mapping_rules_from_the_symbols_file() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            VendorHal + """
            class D
            {
                void F(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs, bool ready)
                {
                    var a = {|DMA002:dma.Map(buf, 64, Vendor.XferDirection.ToDevice)|};
                    if (dma.Failed(a)) return;
                    if (!ready) return;
                    dma.Unmap(a, {|DMA004:32|}, Vendor.XferDirection.ToDevice);
                    var b = dma.Map(buf, 16, Vendor.XferDirection.ToDevice);
                    regs.QueueBase = {|DMA003:b.Value|};
                }
            }
            """,
            [("DmaDiscipline.txt", VendorSymbols)]);

    [Fact]
    public Task Without_the_symbols_file_the_vendor_framework_is_unknown() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            VendorHal + "class D { void F(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs) { var a = dma.Map(buf, 64, Vendor.XferDirection.ToDevice); regs.QueueBase = a.Value; } }");

    [Fact]
    public Task Attributes_declare_roles_on_a_wrapper() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            """
            class Wrapper
            {
                private readonly DmaApi _dma;
                public Wrapper(DmaApi dma) { _dma = dma; }
                [DmaApiRole(DmaApiRole.Map)] public DmaAddr Map(KBuffer buffer, int length, DmaDirection direction) => _dma.MapSingle(buffer, 0, length, direction);
                [DmaApiRole(DmaApiRole.Unmap)] public void Unmap(DmaAddr address, int length, DmaDirection direction) => _dma.UnmapSingle(address, length, direction);
                [DmaApiRole(DmaApiRole.MappingErrorCheck)] public bool Failed(DmaAddr address) => _dma.MappingError(address);
            }
            class D
            {
                void F(Wrapper w, KBuffer buf)
                {
                    var a = w.Map(buf, 64, DmaDirection.ToDevice);
                    if (w.Failed(a)) return;
                    w.Unmap(a, 64, {|DMA004:DmaDirection.FromDevice|});
                    w.Unmap({|DMA006:a|}, 64, DmaDirection.ToDevice);
                }
            }
            """);

    [Fact]
    public Task A_physical_source_attribute_and_an_interface_sink() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            static class Hal { [PhysicalAddressSource] public static ulong PhysOf(KBuffer b) => 0; }
            interface IDoorbell { void Ring([BusAddress] ulong address); }
            class Bell : IDoorbell { public void Ring(ulong address) { } }
            class D { void F(KBuffer b, Bell bell) { bell.Ring({|DMA001:Hal.PhysOf(b)|}); bell.Ring(0); } }
            """);

    [Fact]
    public Task Platform_code_is_exempt() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            [DmaPlatform] sealed class MyIdentityOps { public void Post(KBuffer b, IRing ring) => ring.Post(new DmaAddr(b.PhysicalAddress.Value), 64); }
            sealed class Driver { public void Post(KBuffer b, IRing ring) => ring.Post({|DMA008:new DmaAddr(b.PhysicalAddress.Value)|}, 64); }
            """);
}
