using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A framework's direction enum is read by its members' names, not by Linux's numbers: a
/// <c>ToDevice</c> that is 0 is not bidirectional, a <c>FromDevice</c> that is 1 is not to the device.
/// </summary>
public sealed class ConfiguredDirectionTests
{
    private static string Hal(string directionMembers) => $$"""
        namespace Vendor
        {
            public enum XferDirection { {{directionMembers}} }
            public readonly struct IoAddr { public IoAddr(ulong value) { Value = value; } public ulong Value { get; } }
            public sealed class Buf { public byte[] Data { get; } = new byte[64]; }
            public sealed class Dma
            {
                public IoAddr Map(Buf buf, int length, XferDirection direction) => default;
                public void Unmap(IoAddr address, int length, XferDirection direction) { }
                public void SyncForCpu(IoAddr address, int length, XferDirection direction) { }
                public bool Failed(IoAddr address) => false;
            }
            public sealed class Regs { public ulong QueueBase; }
        }
        """;

    private const string Symbols = """
        T:Vendor.IoAddr ; bus-address
        F:Vendor.Regs.QueueBase ; bus-sink
        M:Vendor.Dma.Map(Vendor.Buf,System.Int32,Vendor.XferDirection) ; map
        M:Vendor.Dma.Unmap(Vendor.IoAddr,System.Int32,Vendor.XferDirection) ; unmap
        M:Vendor.Dma.SyncForCpu(Vendor.IoAddr,System.Int32,Vendor.XferDirection) ; sync-for-cpu
        M:Vendor.Dma.Failed(Vendor.IoAddr) ; mapping-error-check
        P:Vendor.Buf.Data ; cpu-access
        """;

    private static string Driver(string direction, string body) => $$"""
        class D
        {
            void F(Vendor.Dma dma, Vendor.Buf buf, Vendor.Regs regs)
            {
                var a = dma.Map(buf, 64, Vendor.XferDirection.{{direction}});
                if (dma.Failed(a)) return;
                regs.QueueBase = a.Value;
                {{body}}
            }
        }
        """;

    [Fact]
    public Task A_FromDevice_numbered_1_gives_the_buffer_to_the_device() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            Hal("ToDevice, FromDevice") + Driver("FromDevice", "var first = {|DMA005:buf.Data|}[0]; dma.Unmap(a, 64, Vendor.XferDirection.FromDevice);"),
            [("DmaDiscipline.txt", Symbols)]);

    [Fact]
    public Task A_ToDevice_numbered_0_leaves_the_buffer_to_the_cpu() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            Hal("ToDevice, FromDevice") + Driver("ToDevice", "var first = buf.Data[0]; dma.Unmap(a, 64, Vendor.XferDirection.ToDevice);"),
            [("DmaDiscipline.txt", Symbols)]);

    [Fact]
    public Task Linux_style_member_names_are_read_too() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            Hal("DMA_TO_DEVICE = 7, DMA_FROM_DEVICE = 0, DMA_BIDIRECTIONAL = 5") + Driver("DMA_FROM_DEVICE", "var first = {|DMA005:buf.Data|}[0]; dma.Unmap(a, 64, Vendor.XferDirection.DMA_FROM_DEVICE);"),
            [("DmaDiscipline.txt", Symbols)]);

    [Fact]
    public Task A_sync_for_cpu_on_a_ToDevice_mapping_names_the_frameworks_member() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            Hal("ToDevice, FromDevice") + Driver("ToDevice", """
                dma.SyncForCpu(a, 64, Vendor.XferDirection.ToDevice);
                dma.Unmap(a, 64, {|#0:Vendor.XferDirection.FromDevice|});
                """),
            [("DmaDiscipline.txt", Symbols)],
            Verify<MappingLifecycleAnalyzer>.Diagnostic("DMA004").WithSeverity(DiagnosticSeverity.Info).WithSpan(24, 9, 24, 61).WithSpan(21, 17, 21, 64)
                .WithArguments("SyncForCpu on a ToDevice mapping is legal but pointless: neither the device nor the CPU writes the buffer"),
            Verify<MappingLifecycleAnalyzer>.Diagnostic("DMA004").WithLocation(0).WithSpan(21, 17, 21, 64)
                .WithArguments("Unmap uses direction FromDevice but the mapping was made ToDevice (line 21)"));

    [Fact]
    public Task Members_that_say_no_direction_are_reported_on_the_symbols_file_lines() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(
            Hal("In, Out"),
            [("DmaDiscipline.txt", Symbols)],
            Blind(3, "M:Vendor.Dma.Map(Vendor.Buf,System.Int32,Vendor.XferDirection)"),
            Blind(4, "M:Vendor.Dma.Unmap(Vendor.IoAddr,System.Int32,Vendor.XferDirection)"),
            Blind(5, "M:Vendor.Dma.SyncForCpu(Vendor.IoAddr,System.Int32,Vendor.XferDirection)"));

    [Fact]
    public Task Members_that_say_no_direction_give_no_guessed_ownership() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            Hal("In, Out") + Driver("In", "var first = buf.Data[0]; dma.Unmap(a, 64, Vendor.XferDirection.Out);"),
            [("DmaDiscipline.txt", Symbols)]);

    [Fact]
    public Task A_None_member_beside_readable_ones_is_not_reported() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(
            Hal("Bidirectional, ToDevice, FromDevice, None"),
            [("DmaDiscipline.txt", Symbols)]);

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Blind(int line, string id) =>
        Verify<SymbolsFileAnalyzer>.Diagnostic("DMA900").WithSeverity(DiagnosticSeverity.Info).WithSpan("DmaDiscipline.txt", line, 1, line, 1 + SymbolsLine(line).Length)
            .WithArguments($"the direction 'XferDirection.In' of '{id}' names neither a transfer to the device, from the device nor both (members are read by name: ToDevice, FromDevice, Bidirectional); DMA004 and DMA005 ignore the direction of calls that pass it");

    private static string SymbolsLine(int line) => Symbols.Split('\n')[line - 1].TrimEnd('\r');
}
