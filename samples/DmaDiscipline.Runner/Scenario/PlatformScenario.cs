using DmaDiscipline.Runtime;

namespace DmaDiscipline.Runner.Scenario;

/// <summary>
/// One platform the matrix runs every driver on: the machine's options, the devices it plugs in,
/// and what each driver family is expected to do there (and why).
/// </summary>
internal sealed record PlatformScenario
{
    /// <summary>Short key for <c>--scenario</c>.</summary>
    public required string Key { get; init; }

    /// <summary>Column title.</summary>
    public required string Title { get; init; }

    /// <summary>What the scenario models.</summary>
    public required string Description { get; init; }

    /// <summary>The machine.</summary>
    public required MachineOptions Machine { get; init; }

    /// <summary>The devices, in plug-in order. Kernel drivers run on every non-userspace slot.</summary>
    public required IReadOnlyList<DeviceSlot> Slots { get; init; }

    /// <summary>The DMA mask the kernel drivers set at probe (<c>dma_set_mask_and_coherent</c>).</summary>
    public ulong DriverDmaMask { get; init; } = ulong.MaxValue;

    /// <summary>Expected outcome of legacy drivers.</summary>
    public required Expectation Legacy { get; init; }

    /// <summary>Expected outcome of disciplined drivers.</summary>
    public required Expectation Disciplined { get; init; }

    /// <summary>Expected outcome of the userspace driver.</summary>
    public required Expectation Userspace { get; init; }

    /// <summary>Why, in one line per family: printed under the matrix.</summary>
    public required string Why { get; init; }

    /// <summary>The same platform with devices that do not implement ATS (<c>--no-ats</c>).</summary>
    public PlatformScenario WithoutAts() => this with { Slots = Slots.Select(slot => slot with { Ats = false }).ToList() };

    /// <summary>The expectation for a family.</summary>
    public Expectation For(DriverFamily family) => family switch
    {
        DriverFamily.Legacy => Legacy,
        DriverFamily.Disciplined => Disciplined,
        _ => Userspace,
    };
}
