using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA007: driver code that branches on IOMMU presence/mode to choose between the DMA API and a physical address.</summary>
public sealed class DMA007DriverDecidesTranslationTests
{
    private static Task Check(string source) => Verify<TranslationDecisionAnalyzer>.Analyzer(source);

    private static string Body(string statements) =>
        "class D { void F(Device device, Machine machine, KBuffer buf, Desc[] ring, IRing post) { var dma = device.Dma; " + statements + " } }";

    private const string Mapped = "var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); ring[0].Addr = a.Value;";
    private const string Physical = "ring[0].Addr = buf.PhysicalAddress.Value;";

    [Theory]
    [InlineData("if ({|DMA007:device.Domain|} is null) { " + Physical + " } else { " + Mapped + " }")]
    [InlineData("if ({|DMA007:device.Domain|}?.Kind == DomainKind.Identity) { " + Physical + " } else { " + Mapped + " }")]
    [InlineData("if ({|DMA007:machine.Iommu|} == null) { " + Physical + " return; } " + Mapped)]
    [InlineData("if ({|DMA007:machine.Options.IommuPresent|}) { " + Mapped + " } else { " + Physical + " }")]
    [InlineData("if (!{|DMA007:device.Options.BehindIommu|}.GetValueOrDefault()) { " + Physical + " } else { " + Mapped + " }")]
    // Through a local.
    [InlineData("var passthrough = device.Domain?.Kind == DomainKind.Identity; if ({|DMA007:passthrough|}) { " + Physical + " } else { " + Mapped + " }")]
    // A conditional expression.
    [InlineData("ring[0].Addr = {|DMA007:machine.Options.IommuPresent|} ? dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value : buf.PhysicalAddress.Value;")]
    // A switch on the domain kind.
    [InlineData("switch ({|DMA007:device.Domain!.Kind|}) { case DomainKind.Identity: " + Physical + " break; default: " + Mapped + " break; }")]
    // A switch expression.
    [InlineData("ring[0].Addr = {|DMA007:device.Domain!.Kind|} switch { DomainKind.Identity => buf.PhysicalAddress.Value, _ => dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value };")]
    // A DmaAddr built from the physical address on the "no IOMMU" path.
    [InlineData("DmaAddr bus; if ({|DMA007:machine.Iommu|} is null) bus = new DmaAddr(buf.PhysicalAddress.Value); else bus = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); post.Post(bus, 64);")]
    // Physical address through VirtToPhys.
    [InlineData("if ({|DMA007:machine.Iommu|} is null) { ring[0].Addr = machine.Memory.VirtToPhys(buf).Value; } else { " + Mapped + " }")]
    // Nested condition.
    [InlineData("if (buf.Length > 0 && {|DMA007:device.Domain|} == null) { " + Physical + " } else { " + Mapped + " }")]
    public Task Reported(string statements) => Check(Body(statements));

    [Fact]
    public Task Configured_query_from_the_symbols_file() =>
        Verify<TranslationDecisionAnalyzer>.Analyzer(
            """
            namespace Vendor { public static class Platform { public static bool Passthrough(object dev) => false; } }
            class D
            {
                void F(DmaApi dma, object dev, KBuffer buf, Desc[] ring)
                {
                    if ({|DMA007:Vendor.Platform.Passthrough(dev)|}) ring[0].Addr = buf.PhysicalAddress.Value;
                    else ring[0].Addr = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value;
                }
            }
            """,
            [("DmaDiscipline.txt", "M:Vendor.Platform.Passthrough(System.Object) ; translation-query")]);

    [Fact]
    public Task Attributed_query() =>
        Verify<TranslationDecisionAnalyzer>.Analyzer(
            """
            class Hal { [TranslationQuery] public bool Direct { get; set; } }
            class D
            {
                void F(DmaApi dma, Hal hal, KBuffer buf, Desc[] ring)
                {
                    if ({|DMA007:hal.Direct|}) ring[0].Addr = buf.PhysicalAddress.Value;
                    else ring[0].Addr = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value;
                }
            }
            """);

    [Theory]
    // Logging the domain.
    [InlineData("if (device.Domain is null) Log.Info(\"no IOMMU\"); " + Mapped)]
    // Tuning for the platform, always through the DMA API.
    [InlineData("var batch = machine.Iommu is null ? 64 : 16; for (var i = 0; i < batch; i++) { " + Mapped + " }")]
    // Both arms use the DMA API.
    [InlineData("if (device.Domain?.Kind == DomainKind.Identity) { " + Mapped + " } else { " + Mapped + " ring[1].Len = 64; }")]
    // The physical address only logged in the arm.
    [InlineData("if (machine.Iommu is null) { Log.Info(\"phys \" + buf.PhysicalAddress); } " + Mapped)]
    // A legacy driver without the DMA API at all (DMA001's business, not DMA007's).
    [InlineData("if (machine.Iommu is null) { " + Physical + " }")]
    // Branching on something unrelated.
    [InlineData("if (buf.Length > 4096) { " + Physical + " } else { " + Mapped + " }")]
    // Reporting statistics about the domain.
    [InlineData("var kind = device.Domain?.Kind; Log.Info($\"domain {kind}\"); " + Mapped)]
    // Refusing to run without protection is a policy, not a translation choice.
    [InlineData("if (machine.Iommu is null) throw new InvalidOperationException(\"needs an IOMMU\"); " + Mapped)]
    // Comparing a constant of the enum, not a query.
    [InlineData("var wanted = DomainKind.Identity; if (wanted == DomainKind.Identity) { Log.Info(\"x\"); } " + Mapped)]
    // The physical address is used in the arm, but not given to a device.
    [InlineData("if (machine.Iommu is null) { var p = buf.PhysicalAddress.Value; Log.Value(p); } " + Mapped)]
    // Choosing the direction by the platform is not a translation decision.
    [InlineData("var dir = device.Domain is null ? DmaDirection.Bidirectional : DmaDirection.ToDevice; var a = dma.MapSingle(buf, 0, 64, dir); ring[0].Addr = a.Value;")]
    // A switch on the kind that only logs.
    [InlineData("switch (device.Domain?.Kind) { case DomainKind.Identity: Log.Info(\"identity\"); break; default: Log.Info(\"other\"); break; } " + Mapped)]
    public Task NotReported(string statements) => Check(Body(statements));

    /// <summary>Driver state the structural cases branch on: a flag from the constructor, a platform-info object, a configuration.</summary>
    private static string Driver(string statements) => """
        public sealed class PlatformInfo { public bool CoherentDirect { get; init; } public int Generation { get; init; } }
        public sealed class DriverConfig { public bool UseDmaApi { get; set; } public string Mode { get; set; } = ""; }
        public enum Path { Direct, Mapped }
        class D
        {
            private readonly bool _direct;
            private readonly PlatformInfo _info;
            private readonly DriverConfig _config;
            private readonly Path _path;
            private int _count;
            public D(bool direct, PlatformInfo info, DriverConfig config, Path path) { _direct = direct; _info = info; _config = config; _path = path; }
            bool F(DmaApi dma, KBuffer buf, Desc[] ring, IRing post)
            {
        """ + statements + """

                return true;
            }
        }
        """;

    private const string MapChecked = "var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return false; ring[0].Addr = a.Value;";

    [Theory]
    // A bool field set from a constructor parameter.
    [InlineData("if ({|DMA007:_direct|}) { " + Physical + " } else { " + MapChecked + " }")]
    // Negated, the arms the other way round.
    [InlineData("if ({|DMA007:!_direct|}) { " + MapChecked + " } else { " + Physical + " }")]
    // A platform-info object.
    [InlineData("if ({|DMA007:_info.CoherentDirect|}) { " + Physical + " } else { " + MapChecked + " }")]
    // A configuration flag.
    [InlineData("if ({|DMA007:_config.UseDmaApi == false|}) { " + Physical + " return true; } " + MapChecked)]
    // A configuration string.
    [InlineData("if ({|DMA007:_config.Mode == \"direct\"|}) { " + Physical + " } else { " + MapChecked + " }")]
    // A ?: whose value goes to the device.
    [InlineData("ring[0].Addr = {|DMA007:_direct|} ? buf.PhysicalAddress.Value : dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value;")]
    // A switch statement on a mode.
    [InlineData("switch ({|DMA007:_path|}) { case Path.Direct: " + Physical + " break; default: " + MapChecked + " break; }")]
    // A switch expression on a platform generation.
    [InlineData("ring[0].Addr = {|DMA007:_info.Generation|} switch { < 2 => buf.PhysicalAddress.Value, _ => dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value };")]
    // A DmaAddr forged from the physical address in one arm, mapped in the other.
    [InlineData("DmaAddr bus; if ({|DMA007:_direct|}) bus = new DmaAddr(buf.PhysicalAddress.Value); else bus = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); post.Post(bus, 64);")]
    public Task Structure_reported_whatever_the_condition(string statements) =>
        Verify<TranslationDecisionAnalyzer>.Analyzer(Driver(statements));

    [Theory]
    // The flag only chooses what is logged.
    [InlineData("if (_direct) { Log.Value(buf.PhysicalAddress.Value); } " + MapChecked)]
    // ... or counted.
    [InlineData("if (_direct) { _count++; } else { _count += 2; } " + MapChecked)]
    // ... or sizes a batch.
    [InlineData("var batch = _info.CoherentDirect ? 64 : 16; for (var i = 0; i < batch; i++) { " + MapChecked + " }")]
    // ... or refuses to run.
    [InlineData("if (!_config.UseDmaApi) throw new InvalidOperationException(\"the DMA API is required\"); " + MapChecked)]
    // No physical address in the arm at all.
    [InlineData("if (_direct) { ring[0].Addr = ring.Length > 0 ? 0UL : 1UL; } else { " + MapChecked + " }")]
    // Both arms map.
    [InlineData("if (_direct) { " + MapChecked + " } else { " + MapChecked + " ring[1].Len = 64; }")]
    // The arm with the physical address does not leave: the map runs on both paths after it.
    [InlineData("if (_direct) { Log.Value(buf.PhysicalAddress.Value); } var b = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(b)) return false; ring[0].Addr = b.Value;")]
    public Task Branches_for_anything_else_stay_quiet(string statements) =>
        Verify<TranslationDecisionAnalyzer>.Analyzer(Driver(statements));

    private const string MapFirst = "var mapped = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(mapped)) return false; ";

    [Theory]
    // Map first, then choose with ?: between the mapping and the physical address; the choice goes to the device through a local.
    [InlineData(MapFirst + "var addr = {|DMA007:_direct|} ? buf.PhysicalAddress.Value : mapped.Value; ring[0].Addr = addr;")]
    [InlineData(MapFirst + "ulong addr = {|DMA007:_config.UseDmaApi|} ? mapped.Value : buf.PhysicalAddress.Value; ring[0].Addr = addr;")]
    // ... through a DmaAddr given to a posting method.
    [InlineData(MapFirst + "var bus = {|DMA007:_info.CoherentDirect|} ? new DmaAddr(buf.PhysicalAddress.Value) : mapped; post.Post(bus, 64);")]
    // ... with a switch expression.
    [InlineData(MapFirst + "var addr = {|DMA007:_path|} switch { Path.Mapped => mapped.Value, _ => buf.PhysicalAddress.Value }; ring[0].Addr = addr;")]
    // ... with if/else assigning one local that is given to the device after the branch.
    [InlineData(MapFirst + "ulong addr; if ({|DMA007:_direct|}) addr = buf.PhysicalAddress.Value; else addr = mapped.Value; ring[0].Addr = addr;")]
    public Task Map_first_then_choose_reported(string statements) =>
        Verify<TranslationDecisionAnalyzer>.Analyzer(Driver(statements));

    [Fact]
    public Task Map_first_then_choose_on_a_translation_query_reported() =>
        Check(Body("var mapped = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); var addr = {|DMA007:machine.Iommu|} is null ? buf.PhysicalAddress.Value : mapped.Value; ring[0].Addr = addr;"));

    [Theory]
    // The other arm gives no physical address.
    [InlineData(MapFirst + "var addr = _direct ? mapped.Value : 0UL; ring[0].Addr = addr;")]
    // The chosen value is only logged; the device gets the mapping.
    [InlineData(MapFirst + "var addr = _direct ? buf.PhysicalAddress.Value : mapped.Value; Log.Value(addr); ring[0].Addr = mapped.Value;")]
    // The choice is made on the data itself (DMA001's business).
    [InlineData(MapFirst + "var addr = buf.Length > 4096 ? buf.PhysicalAddress.Value : mapped.Value; ring[0].Addr = addr;")]
    // The local chosen in the statement form is only logged.
    [InlineData(MapFirst + "ulong addr; if (_direct) addr = buf.PhysicalAddress.Value; else addr = mapped.Value; Log.Value(addr); ring[0].Addr = mapped.Value;")]
    public Task Map_first_then_choose_look_alikes_stay_quiet(string statements) =>
        Verify<TranslationDecisionAnalyzer>.Analyzer(Driver(statements));

    [Fact]
    public Task Map_first_of_another_buffer_than_the_physical_one_stays_quiet() =>
        Verify<TranslationDecisionAnalyzer>.Analyzer(
            """
            class D
            {
                private bool _inline;
                void F(DmaApi dma, KBuffer header, KBuffer data, Desc[] ring)
                {
                    var mapped = dma.MapSingle(data, 0, 64, DmaDirection.ToDevice);
                    var addr = _inline ? header.PhysicalAddress.Value : mapped.Value;
                    ring[0].Addr = addr;
                }
            }
            """);

    [Fact]
    public Task Physical_address_of_another_buffer_than_the_mapped_one_stays_quiet() =>
        Verify<TranslationDecisionAnalyzer>.Analyzer(
            """
            class D
            {
                private bool _inline;
                void F(DmaApi dma, KBuffer header, KBuffer data, Desc[] ring)
                {
                    if (_inline) ring[0].Addr = header.PhysicalAddress.Value;
                    else ring[0].Addr = dma.MapSingle(data, 0, 64, DmaDirection.ToDevice).Value;
                }
            }
            """);
}
