namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>
/// One side of a defect core (the defect or its twin) as statement templates around one carried
/// value: <see cref="Produce"/> makes it, and the later statements read it as <c>$v</c>. The case
/// method runs <c>Produce; Check; Middle; $mid; Final</c>. Placeholders: <c>$v</c> (read the
/// carried value), <c>$dma</c> (the device's DMA API: <c>dma</c> in the case method,
/// <c>device.Dma</c> in a helper), <c>$ret</c> (leave the method: <c>return</c>, or
/// <c>yield break</c> in an iterator), <c>$mid</c> (where a control variant may put an exit, which
/// runs <see cref="OnExit"/> first).
/// </summary>
/// <param name="Type">The C# type of the carried value.</param>
/// <param name="Produce">The expression that makes the value; it names only <c>device</c>, <c>buf</c> and <c>$dma</c>.</param>
/// <param name="Check">Statements right after the value is made (the mapping-error check), or empty.</param>
/// <param name="Middle">What the method does with the value.</param>
/// <param name="Final">The last statements (the release), or empty.</param>
/// <param name="OnExit">What a correct driver does before leaving early at <c>$mid</c>.</param>
/// <param name="Discard">How a correct driver drops a value it made (unchecked) and will not use: unmap it if the map worked.</param>
public sealed record Flow(string Type, string Produce, string Check, string Middle, string Final, string OnExit, string Discard = "")
{
    /// <summary>The statements after the value is made, with an exit (or nothing) at <c>$mid</c>.</summary>
    public string Rest(string exit) =>
        Join(Check, Middle, exit.Replace("$exit", OnExit, StringComparison.Ordinal), Final);

    /// <summary>The producing expression as written in a helper method, which has no <c>dma</c> local.</summary>
    public string ProduceInHelper => Produce.Replace("$dma", "device.Dma", StringComparison.Ordinal);

    internal static string Join(params string[] statements) =>
        string.Join(" ", statements.Where(s => s.Length > 0));
}
