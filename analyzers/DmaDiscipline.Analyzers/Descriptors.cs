using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers
{
    /// <summary>Every diagnostic the analyzers report, grouped by category.</summary>
    public static class Descriptors
    {
        private const string Addressing = "DmaDiscipline.Addressing";
        private const string Mapping = "DmaDiscipline.Mapping";
        private const string Configuration = "DmaDiscipline.Configuration";
        private const string Analysis = "DmaDiscipline.Analysis";

        // Addressing: what a device is given.
        public static readonly DiagnosticDescriptor DMA001 = Create(
            RuleIdentifiers.RawPhysicalAddressToDevice,
            "Raw physical address reaches a device",
            "A raw physical address from {0} reaches {1}; give the device a bus address from the DMA API instead",
            Addressing,
            "A CPU physical address is not a bus address: behind an IOMMU, a bounce buffer or a DMA offset the device sees something else. Map the buffer through the DMA API and hand the device the DmaAddr it returns.");

        public static readonly DiagnosticDescriptor DMA007 = Create(
            RuleIdentifiers.DriverDecidesTranslation,
            "Driver decides address translation itself",
            "The driver branches on {0} to choose between the DMA API and a physical address; always use the DMA API and let the platform decide",
            Addressing,
            "Whether a device's addresses are translated, passed through or bounced is the platform's per-device decision. A driver that tests for an IOMMU and skips the DMA API breaks when the platform's answer changes (a guest IOMMU, a lying firmware table, a confidential VM).");

        public static readonly DiagnosticDescriptor DMA008 = Create(
            RuleIdentifiers.ForgedBusAddress,
            "Bus address forged outside the DMA API",
            "This bus address was made from {0} outside the DMA API and is given to {1}; use the address the DMA API returned",
            Addressing,
            "Only the DMA API makes valid bus addresses. A DmaAddr built from a constant, a physical address or default is not a mapping: the device faults or reads the wrong memory, and unmap/sync of it corrupts the platform's bookkeeping.");

        // Mapping: the life of a streaming mapping or coherent buffer.
        public static readonly DiagnosticDescriptor DMA002 = Create(
            RuleIdentifiers.MappingNotReleased,
            "DMA mapping not released on every path",
            "The {0} made here is not released on the path leaving at {1}; release it, or transfer it (store, return or pass it on)",
            Mapping,
            "A mapping or coherent buffer that is neither released nor handed to someone who will release it leaks an IOVA range, a bounce slot or coherent memory until the device is unbound.");

        public static readonly DiagnosticDescriptor DMA003 = Create(
            RuleIdentifiers.MappingErrorNotChecked,
            "Mapped address used without a mapping-error check",
            "The mapped address is used here on a path where {0}; test it with the mapping-error check first and stop on failure",
            Mapping,
            "A mapping can fail (IOVA space exhausted, DMA mask, no bounce slot). The failed address is not usable; it must be checked before it is given to a device or synced.");

        public static readonly DiagnosticDescriptor DMA004 = Create(
            RuleIdentifiers.MismatchedUnmapOrSync,
            "Unmap or sync does not match its mapping",
            "{0}",
            Mapping,
            "Unmap takes exactly the map's length and direction; a sync takes the map's direction and covers at most the mapping. Anything else corrupts the bounce buffer copy or leaves stale IOTLB entries.");

        public static readonly DiagnosticDescriptor DMA005 = Create(
            RuleIdentifiers.CpuAccessWhileDeviceOwned,
            "CPU accesses a buffer the device owns",
            "The buffer is mapped {0} and owned by the device here; {1}",
            Mapping,
            "From map until SyncForCpu or unmap the device owns the buffer: mapped FromDevice or Bidirectional, the CPU sees stale data with bounce buffers and its writes can be lost; mapped ToDevice, a CPU write is not what the device reads.");

        public static readonly DiagnosticDescriptor DMA006 = Create(
            RuleIdentifiers.UseAfterUnmap,
            "DMA address used after unmap or free",
            "The {0} is used here after it was released; the address may already belong to another mapping",
            Mapping,
            "After unmap (or free of a coherent buffer) the bus address may be reused for another mapping at any time: a device given it writes someone else's memory, and a second unmap frees someone else's mapping.");

        // Configuration.
        public static readonly DiagnosticDescriptor DMA900 = Create(
            RuleIdentifiers.InvalidSymbolsFileLine,
            "Invalid line in DmaDiscipline symbols file",
            "Invalid line in DmaDiscipline symbols file: {0}",
            Configuration,
            "Each line of DmaDiscipline.txt is '<documentation comment id> ; <role>' (see docs/configuration.md). A line that cannot be read is ignored and reported here.");

        public static readonly DiagnosticDescriptor DMA901 = Create(
            RuleIdentifiers.UnresolvedSymbolsFileEntry,
            "DmaDiscipline symbols file entry names nothing",
            "Symbols file entry ignored: {0}",
            Configuration,
            "A line of DmaDiscipline.txt whose documentation comment id names no symbol of this compilation switches nothing on. That is expected where one file serves several projects, so this is information by default; where it is a typo (a '+' for a nested type, a C# keyword for a parameter type, a missing parameter list, the wrong case) the message names the id that resolves.",
            DiagnosticSeverity.Info);

        // Coverage of the analysis itself.
        public static readonly DiagnosticDescriptor DMA902 = Create(
            RuleIdentifiers.BodyNotAnalysed,
            "Body not analysed",
            "{0} is not analysed for {1}: {2}",
            Analysis,
            "Where the dataflow gives up on a body (a control-flow graph past its block limit, a fixpoint past its work budget, lambdas nested past the analysed depth), the rules that need it report nothing there. This says so on the member instead of dropping the body silently; split the member, or review it by hand.",
            DiagnosticSeverity.Info);

        public static readonly DiagnosticDescriptor DMA903 = Create(
            RuleIdentifiers.AddressBodyNotAnalysed,
            "Body not analysed for raw or forged addresses",
            "{0} is not analysed for {1}: {2}",
            Analysis,
            "DMA001 and DMA008 follow where each address in a body came from. Where that gives up on a body that names a device-visible sink (a control-flow graph past its block limit, a fixpoint past its work budget, lambdas nested past the analysed depth), the two rules report nothing there. This says so on the member instead of dropping the body silently; split the member, or review it by hand.",
            DiagnosticSeverity.Info);

        private static DiagnosticDescriptor Create(string id, string title, string message, string category, string description, DiagnosticSeverity severity = DiagnosticSeverity.Warning) =>
            new DiagnosticDescriptor(id, title, message, category, severity, isEnabledByDefault: true, description, RuleIdentifiers.HelpLink(id));
    }
}
