using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A project is analysed when it uses a sink. A parameter the project marks <c>[DeviceMemory]</c> is such
/// a use by its own method's body, even where nothing in the project calls that method and the project
/// has no other sink: a helper library that writes descriptors into the memory it is given. Written
/// without the shared prelude, whose sinks would put every test in reach (that hid this case).
/// </summary>
public sealed class DeviceMemoryParameterReachTests
{
    private static Task Check(string source)
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test
        {
            TestCode = Verify<AddressProvenanceAnalyzer>.Usings + "using System.Runtime.InteropServices;\n" + source,
        };
        test.SolutionTransforms.Add((solution, id) =>
            solution.WithProjectCompilationOptions(id, ((CSharpCompilationOptions)solution.GetProject(id)!.CompilationOptions!).WithAllowUnsafe(true)));
        return test.RunAsync();
    }

    [Theory]
    [InlineData("""
        public static class DescWriter { public static void Fill([DeviceMemory] IntPtr ring, KBuffer buf) { Marshal.WriteInt64(ring, 0, {|DMA001:(long)buf.PhysicalAddress.Value|}); } }
        """)]
    [InlineData("""
        public struct RawDesc { public ulong Addr; public uint Len; }
        public static unsafe class DescWriter { public static void Fill([DeviceMemory] RawDesc* ring, int i, KBuffer buf) { ring[i].Addr = {|DMA001:buf.PhysicalAddress.Value|}; } }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // The same helper storing a length: nothing physical reaches the device.
    [InlineData("""
        public static class DescWriter { public static void Fill([DeviceMemory] IntPtr ring, KBuffer buf) { Marshal.WriteInt32(ring, 8, buf.Length); } }
        """)]
    // Not marked: memory the project never says a device reads.
    [InlineData("""
        public static class Scratch { public static void Fill(IntPtr block, KBuffer buf) { Marshal.WriteInt64(block, 0, (long)buf.PhysicalAddress.Value); } }
        """)]
    public Task Not_reported(string source) => Check(source);
}
