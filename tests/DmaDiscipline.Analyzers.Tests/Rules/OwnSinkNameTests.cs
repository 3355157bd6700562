using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A driver's own device-visible member that shares its name with a sink of a referenced assembly (the runtime's
/// descriptors have an <c>Addr</c> field, and so do most drivers' own). Such a name counts towards "this project
/// uses a sink" only where the project names a type that declares the referenced sink — an emulator's own
/// unmarked <c>Addr</c> field says nothing about DMA — unless the project's own member is a sink too. Written
/// without the shared prelude, whose other sinks would put every test in reach.
/// </summary>
public sealed class OwnSinkNameTests
{
    private static Task Check(string source) =>
        new Verify<AddressProvenanceAnalyzer>.Test { TestCode = Verify<AddressProvenanceAnalyzer>.Usings + source }.RunAsync();

    [Theory]
    // The project's own descriptor, marked: the only sink it uses.
    [InlineData("""
        public struct RxDesc { [BusAddress] public ulong Addr; public ushort Len; }
        public sealed class Rx { private readonly RxDesc[] _ring = new RxDesc[8]; public void Fill(KBuffer b) { _ring[0].Addr = {|DMA001:b.PhysicalAddress.Value|}; } }
        """)]
    [InlineData("""
        public struct RxDesc { [BusAddress] public ulong Addr; public ushort Len; }
        public sealed class Rx { private readonly RxDesc[] _ring = new RxDesc[8]; public void Fill() { _ring[0].Addr = {|DMA008:0xFEE0_0000|}; } }
        """)]
    // Its own auto-property carries the address from one method to the other.
    [InlineData("""
        public struct RxDesc { [BusAddress] public ulong Addr; public ushort Len; }
        public sealed class Rx { private readonly RxDesc[] _ring = new RxDesc[8]; public ulong Staged { get; set; } public void Prepare(KBuffer b) { Staged = b.PhysicalAddress.Value; } public void Post() { _ring[1].Addr = {|DMA001:Staged|}; } }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // An emulator's own Addr, not marked: not a sink, whatever the runtime declares under that name.
    [InlineData("""
        public struct GuestDesc { public ulong Addr; public ushort Len; }
        public sealed class Emu { private readonly GuestDesc[] _ring = new GuestDesc[8]; public void Fill(KBuffer b) { _ring[0].Addr = b.PhysicalAddress.Value; } }
        """)]
    public Task Not_reported(string source) => Check(source);
}
