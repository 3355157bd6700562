using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// <c>[PhysicalAddressSource]</c> on a parameter. On an <c>out</c> or <c>ref</c> parameter the caller's argument holds
/// a raw physical address after the call (<c>bool TryTranslate(void* va, [PhysicalAddressSource] out ulong pa)</c>),
/// as a symbols file's <c>physical-source(pa)</c> says. On a parameter passed by value the method is given one: a
/// platform callback or a handler the platform calls with a frame's address
/// (<c>void OnFrame([PhysicalAddressSource] ulong pa)</c>), also when the attribute is on the interface or base
/// method the handler implements. The parameter holds that address until the body assigns it something else.
/// A symbols-file line <c>physical-source(pa)</c> on such a parameter says the same. Look-alikes: an unmarked parameter beside it, the parameter reassigned before it reaches the device, a page
/// offset or a log of it, the marked parameter of a method that only compares it.
/// </summary>
public sealed class DMA001ParameterSourceTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    [Theory]
    // A handler given the frame's physical address hands it to a register.
    [InlineData("class D { void OnFrame(Regs regs, [PhysicalAddressSource] ulong pa) { regs.QueueDesc = {|DMA001:pa|}; } }")]
    // ... through a local, a conversion and an offset.
    [InlineData("class D { void OnFrame(Regs regs, [PhysicalAddressSource] long pa) { var at = (ulong)pa + 0x40; regs.QueueDesc = {|DMA001:at|}; } }")]
    // ... to a wrapper of its own: reported where the address enters the wrapper.
    [InlineData("class D { void OnFrame(Regs regs, [PhysicalAddressSource] ulong pa) => Program(regs, {|DMA001:pa|}); static void Program(Regs r, ulong a) => r.QueueDesc = a; }")]
    // ... on one branch only: still the parameter's value there.
    [InlineData("class D { void OnFrame(Regs regs, [PhysicalAddressSource] ulong pa, bool big) { if (big) { Log.Info(\"big\"); } regs.Doorbell({|DMA001:pa|}); } }")]
    // The attribute on the interface method the handler implements, and on the base method it overrides.
    [InlineData("interface IFrameSink { void OnFrame(Regs regs, [PhysicalAddressSource] ulong pa); } class D : IFrameSink { public void OnFrame(Regs regs, ulong pa) { regs.QueueDesc = {|DMA001:pa|}; } }")]
    [InlineData("abstract class Sink { public abstract void OnFrame(Regs regs, [PhysicalAddressSource] ulong pa); } class D : Sink { public override void OnFrame(Regs regs, ulong pa) { regs.QueueDesc = {|DMA001:pa|}; } }")]
    // An out parameter: the caller's argument holds the address after the call.
    [InlineData("class D { static bool TryTranslate(KBuffer buf, [PhysicalAddressSource] out ulong pa) { pa = 0; return true; } void F(Regs regs, KBuffer buf) { if (!TryTranslate(buf, out var pa)) return; regs.QueueDesc = {|DMA001:pa|}; } }")]
    // A ref parameter, likewise.
    [InlineData("class D { static void Refresh([PhysicalAddressSource] ref ulong pa) { } void F(Regs regs) { ulong pa = 0; Refresh(ref pa); regs.Doorbell({|DMA001:pa|}); } }")]
    public Task Reported(string source) => Check(source);

    [Theory]
    // The unmarked parameter beside it.
    [InlineData("class D { void OnFrame(Regs regs, [PhysicalAddressSource] ulong pa, ulong bus) { regs.QueueDesc = bus; } }")]
    // Reassigned with a real mapping before it reaches the device.
    [InlineData("class D { void OnFrame(Regs regs, DmaApi dma, KBuffer buf, [PhysicalAddressSource] ulong pa) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; pa = a.Value; regs.QueueDesc = pa; } }")]
    // A page offset of it, a log of it, a comparison.
    [InlineData("class D { void OnFrame(Regs regs, [PhysicalAddressSource] ulong pa) { regs.Doorbell(pa & 0xFFF); } }")]
    [InlineData("class D { void OnFrame([PhysicalAddressSource] ulong pa) { Log.Value(pa); } }")]
    [InlineData("class D { bool Below4G([PhysicalAddressSource] ulong pa) => pa < 0x1_0000_0000UL; }")]
    // An out parameter whose argument is overwritten after the call.
    [InlineData("class D { static bool TryTranslate(KBuffer buf, [PhysicalAddressSource] out ulong pa) { pa = 0; return true; } void F(Regs regs, KBuffer buf, DmaApi dma) { TryTranslate(buf, out var pa); var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; pa = a.Value; regs.QueueDesc = pa; } }")]
    // A same-named parameter of an unmarked method.
    [InlineData("class D { void OnFrame(Regs regs, ulong pa) { regs.QueueDesc = pa; } }")]
    public Task Not_reported(string source) => Check(source);

    [Fact]
    public Task A_symbols_file_line_names_the_parameter_a_method_is_given_an_address_in() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D { void OnFrame(Regs regs, ulong pa, ulong cookie) { regs.QueueDesc = {|DMA001:pa|}; regs.Doorbell(cookie); } }",
            [("DmaDiscipline.txt", "M:D.OnFrame(Regs,System.UInt64,System.UInt64) ; physical-source(pa)")]);

    // A platform library (another project) declares the callback its drivers implement.
    private static readonly Lazy<Task<LibraryAssembly.Built>> Platform = new(() => LibraryAssembly.BuildAsync("""
        namespace Platform
        {
            public interface IFrameHandler { void OnFrame([DmaDiscipline.Runtime.PhysicalAddressSource] ulong pa, ulong cookie); }
        }
        """, "Platform"));

    [Fact]
    public async Task The_attribute_on_a_referenced_interface_marks_its_implementations() =>
        await Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D : Platform.IFrameHandler { private readonly Regs _regs = new Regs(); public void OnFrame(ulong pa, ulong cookie) { _regs.QueueDesc = {|DMA001:pa|}; } }",
            [], [(await Platform.Value).Reference]);

    [Fact]
    public async Task The_other_parameter_of_a_referenced_callback_is_not_marked() =>
        await Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D : Platform.IFrameHandler { private readonly Regs _regs = new Regs(); public void OnFrame(ulong pa, ulong cookie) { _regs.QueueDesc = cookie; } }",
            [], [(await Platform.Value).Reference]);
}
