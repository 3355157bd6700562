using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests.Consumers;

/// <summary>
/// A driver project on DmaDiscipline.Runtime: a legacy driver that writes a physical address into a
/// descriptor (DMA001) and a disciplined one that maps through the DMA API (clean). Case folders:
/// <c>plain</c>; <c>editorconfig</c> (the same drivers under an .editorconfig that turns DMA001 off);
/// <c>pragma</c> (the legacy line wrapped in #pragma warning disable/restore); <c>suppressmessage</c> (the legacy
/// method under [SuppressMessage]); <c>dma004</c> (an unmap with the wrong length, a warning, and a pointless
/// SyncForCpu of a ToDevice mapping, which the analyzer reports as info).
/// </summary>
public static class DriverConsumer
{
    public const string Plain = "plain";
    public const string EditorConfig = "editorconfig";
    public const string Pragma = "pragma";
    public const string SuppressMessage = "suppressmessage";
    public const string Dma004 = "dma004";

    public const string LegacyDriver = """
        using DmaDiscipline.Runtime;

        namespace Consumer.Drivers;

        /// <summary>A split-virtqueue descriptor as the device reads it.</summary>
        public struct Desc
        {
            [BusAddress] public ulong Addr;
            public uint Len;
            public ushort Flags;
        }

        /// <summary>The pre-2016 shape: the descriptor gets the buffer's CPU physical address.</summary>
        public static class LegacyDriver
        {
            public static void Post(KBuffer buffer, Desc[] ring)
            {
                ring[0].Addr = buffer.PhysicalAddress.Value; // expect DMA001 at "buffer.PhysicalAddress.Value"
                ring[0].Len = (uint)buffer.Length;
            }
        }
        """;

    public const string DisciplinedDriver = """
        using DmaDiscipline.Runtime;

        namespace Consumer.Drivers;

        /// <summary>Asks the DMA API for a bus address, checks it, and releases it with the map's length and direction.</summary>
        public static class DisciplinedDriver
        {
            public static bool Post(DmaApi dma, KBuffer buffer, Desc[] ring)
            {
                var address = dma.MapSingle(buffer, 0, buffer.Length, DmaDirection.ToDevice);
                if (dma.MappingError(address))
                {
                    return false;
                }

                ring[0].Addr = address.Value;
                ring[0].Len = (uint)buffer.Length;
                dma.UnmapSingle(address, buffer.Length, DmaDirection.ToDevice);
                return true;
            }
        }
        """;

    public const string TxDriver = """
        using DmaDiscipline.Runtime;

        namespace Consumer.Drivers;

        public static class TxDriver
        {
            public static void Send(DmaApi dma, KBuffer buffer)
            {
                var address = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(address))
                {
                    return;
                }

                dma.SyncForCpu(address, 64, DmaDirection.ToDevice); // expect DMA004 (info) at "dma.SyncForCpu(address, 64, DmaDirection.ToDevice)"
                dma.UnmapSingle(address, 32, DmaDirection.ToDevice); // expect DMA004 at "32"
            }
        }
        """;

    public static Consumer Create(PackedPackages packages)
    {
        var pragma = string.Join('\n', LegacyDriver.Split('\n').SelectMany(line =>
            line.Contains("expect DMA001", StringComparison.Ordinal)
                ? new[] { "#pragma warning disable DMA001 // the driver is being ported", line.Split(" // expect")[0], "#pragma warning restore DMA001" }
                : new[] { line }));
        var suppressed = LegacyDriver
            .Replace("    public static void Post(", "    [System.Diagnostics.CodeAnalysis.SuppressMessage(\"DmaDiscipline.Addressing\", \"DMA001:Raw physical address reaches a device\", Justification = \"being ported\")]\n    public static void Post(", StringComparison.Ordinal)
            .Replace("// expect DMA001", "// suppressed DMA001", StringComparison.Ordinal);
        var files = new Dictionary<string, string>
        {
            [$"{Plain}/LegacyDriver.cs"] = LegacyDriver,
            [$"{Plain}/DisciplinedDriver.cs"] = DisciplinedDriver,
            [$"{EditorConfig}/.editorconfig"] = """
                [*.cs]
                dotnet_diagnostic.DMA001.severity = none
                """,
            [$"{EditorConfig}/LegacyDriver.cs"] = LegacyDriver.Replace("// expect DMA001", "// suppressed DMA001", StringComparison.Ordinal),
            [$"{EditorConfig}/DisciplinedDriver.cs"] = DisciplinedDriver,
            [$"{Pragma}/LegacyDriver.cs"] = pragma,
            [$"{Pragma}/DisciplinedDriver.cs"] = DisciplinedDriver,
            [$"{SuppressMessage}/LegacyDriver.cs"] = suppressed,
            [$"{SuppressMessage}/DisciplinedDriver.cs"] = DisciplinedDriver,
            [$"{Dma004}/TxDriver.cs"] = TxDriver,
        };
        return new Consumer(packages, "DriverConsumer", Plain, [PackedPackages.AnalyzersId, PackedPackages.RuntimeId], files);
    }
}
