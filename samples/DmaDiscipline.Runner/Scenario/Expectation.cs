namespace DmaDiscipline.Runner.Scenario;

/// <summary>What a scenario should do to a driver family; the exit code compares outcomes with it.</summary>
internal enum Expectation
{
    /// <summary>Clean: no fault, byte-exact data, no debug violation.</summary>
    Ok,

    /// <summary>
    /// Must fail: an IOMMU fault, wrong data, or — where bus = physical and the data happens to be
    /// right — a DMA001 report from the debug layer.
    /// </summary>
    MustFail,

    /// <summary>
    /// The platform itself is wrong (a lying firmware table without the quirk): DMA is misrouted
    /// whatever the driver does, so even a correct driver must be seen to fail.
    /// </summary>
    PlatformBug,

    /// <summary>The driver does not apply (a userspace driver needs an IOMMU-backed container).</summary>
    NotApplicable,
}
