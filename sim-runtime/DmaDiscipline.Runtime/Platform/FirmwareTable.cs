namespace DmaDiscipline.Runtime;

/// <summary>
/// What firmware tells the OS about IOMMU coverage (the DMAR table's device scopes and its
/// INCLUDE_PCI_ALL flag). The OS has nothing else to go on, and the table can be wrong: QEMU's once
/// claimed translation for virtio devices that in fact bypassed the IOMMU.
/// </summary>
public sealed record FirmwareTable
{
    /// <summary>Claims every device not listed in <see cref="Excluded"/> is behind the IOMMU (INCLUDE_PCI_ALL).</summary>
    public bool IncludeAll { get; init; } = true;

    /// <summary>Devices claimed to be behind the IOMMU when <see cref="IncludeAll"/> is false.</summary>
    public IReadOnlySet<DeviceId> Covered { get; init; } = new HashSet<DeviceId>();

    /// <summary>Devices claimed not to be behind the IOMMU.</summary>
    public IReadOnlySet<DeviceId> Excluded { get; init; } = new HashSet<DeviceId>();

    /// <summary>A table that claims every device is covered.</summary>
    public static FirmwareTable All { get; } = new();

    /// <summary>Whether the table claims the device is behind the IOMMU.</summary>
    public bool Claims(DeviceId device) => !Excluded.Contains(device) && (IncludeAll || Covered.Contains(device));

    /// <summary>
    /// Parses a table in the text form <c>include-all</c> / <c>covered bb:dd.f</c> / <c>excluded bb:dd.f</c>,
    /// one statement per line, <c>#</c> comments.
    /// </summary>
    /// <exception cref="FormatException">A line is malformed; the message gives its number.</exception>
    public static FirmwareTable Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool includeAll = false;
        var covered = new HashSet<DeviceId>();
        var excluded = new HashSet<DeviceId>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int hash = line.IndexOf('#');
            line = (hash >= 0 ? line[..hash] : line).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string[] words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            switch (words)
            {
                case ["include-all"]:
                    includeAll = true;
                    break;
                case ["covered", var id] when DeviceId.TryParse(id, out DeviceId device):
                    covered.Add(device);
                    break;
                case ["excluded", var id] when DeviceId.TryParse(id, out DeviceId device):
                    excluded.Add(device);
                    break;
                default:
                    throw new FormatException($"Firmware table line {i + 1}: '{line}' is not 'include-all', 'covered bb:dd.f' or 'excluded bb:dd.f'.");
            }
        }

        return new FirmwareTable { IncludeAll = includeAll, Covered = covered, Excluded = excluded };
    }
}
