namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>
/// A rule's base defect and its correct twin: the same code, except for the flaw. Variants
/// transform both sides alike.
/// </summary>
/// <param name="Id">The core's id: the rule and a letter (<c>DMA003a</c>), a column of the table and a folder of the cases.</param>
/// <param name="Rule">The rule id the defect must be reported under.</param>
/// <param name="Summary">The defect in a few words, for the generated table.</param>
/// <param name="Defect">The flawed side.</param>
/// <param name="Twin">The fixed side: correct by the rule page and DESIGN.md on every path.</param>
/// <param name="StoringTransfers">
/// True when, by the rule's definition, storing the carried value into a field, array, collection
/// or heap object hands it on (DMA002: the holder owns the mapping now): a variant that stores it
/// there removes the defect instead of hiding it, so it is not counted.
/// </param>
/// <param name="NotWith">Variants that take this core's defect away, or give its twin one of the same rule, by id, with the reason.</param>
public sealed record DefectCore(string Id, string Rule, string Summary, Flow Defect, Flow Twin, bool StoringTransfers = false,
    IReadOnlyDictionary<string, string>? NotWith = null)
{
    /// <summary>True when the core has a release a variant can move into a <c>finally</c>.</summary>
    public bool HasRelease => Twin.Final.Length > 0;
}
