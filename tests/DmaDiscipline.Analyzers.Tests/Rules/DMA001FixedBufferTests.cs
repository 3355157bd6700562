using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001 through a <c>fixed</c> buffer named as a sink: an element store (<c>*td-&gt;Buffer = v</c>,
/// <c>td-&gt;Buffer[i] = v</c>) is a store into the field, as a hardware descriptor's page-pointer
/// array is written in an identity-mapped kernel's USB or storage driver.
/// </summary>
public sealed class DMA001FixedBufferTests
{
    private const string Config = "F:Hw.TransferDescriptor.Buffer ; bus-sink\n";

    private static Task Check(string body) => Verify<AddressProvenanceAnalyzer>.Analyzer(
        """
        namespace Hw
        {
            public unsafe struct TransferDescriptor
            {
                public uint Next;
                public uint Token;
                public fixed uint Buffer[5];
                public fixed uint Scratch[5];
            }

            public static unsafe class Driver
            {
                public static void F(TransferDescriptor* td, KBuffer buf, int i)
                {
        """ + body + """

                }
            }
        }
        """,
        [("DmaDiscipline.txt", Config)]);

    [Theory]
    [InlineData("*td->Buffer = {|DMA001:(uint)buf.PhysicalAddress.Value|};")]
    [InlineData("td->Buffer[1] = {|DMA001:(uint)(buf.PhysicalAddress.Value + 0x1000)|};")]
    [InlineData("td->Buffer[i] = {|DMA001:(uint)buf.PhysicalAddress.Value|};")]
    [InlineData("*(td->Buffer + 2) = {|DMA001:(uint)buf.PhysicalAddress.Value|};")]
    [InlineData("var phys = buf.PhysicalAddress.Value; *(ulong*)td->Buffer = {|DMA001:phys|};")]
    public Task An_element_of_a_fixed_buffer_named_as_a_sink_is_the_sink(string body) => Check(body);

    [Theory]
    [InlineData("*td->Scratch = (uint)buf.PhysicalAddress.Value;")]     // a fixed buffer not named as a sink
    [InlineData("td->Scratch[1] = (uint)buf.PhysicalAddress.Value;")]
    [InlineData("*td->Buffer = (uint)buf.Length;")]                      // not an address
    [InlineData("td->Buffer[0] = 0;")]
    [InlineData("uint* p = &td->Token; *p = (uint)buf.PhysicalAddress.Value;")] // another field, through a pointer
    public Task Look_alikes_are_not_reported(string body) => Check(body);
}
