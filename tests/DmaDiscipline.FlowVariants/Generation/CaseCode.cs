namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>How the case method is declared: a plain method, an <c>async</c> one or an iterator.</summary>
public enum MethodShape
{
    /// <summary><c>public void Run(…)</c>; leaving is <c>return</c>.</summary>
    Plain,

    /// <summary><c>public async Task Run(…)</c>; leaving is <c>return</c>.</summary>
    Async,

    /// <summary><c>public IEnumerable&lt;int&gt; Run(…)</c>; leaving is <c>yield break</c>.</summary>
    Iterator,
}

/// <summary>One side of one case, rendered by a variant: the body of the case method and what it needs around it.</summary>
/// <param name="Body">The statements of <c>Run</c> after <c>var dma = device.Dma;</c> (placeholders <c>$dma</c>, <c>$ret</c> still in).</param>
/// <param name="Shape">How <c>Run</c> is declared.</param>
/// <param name="Members">More members of the case class (fields, helper methods, a second partial part's are in <paramref name="Types"/>).</param>
/// <param name="Types">More types in the case's namespace.</param>
/// <param name="BaseType">The case class's base class, if any.</param>
public sealed record CaseCode(string Body, MethodShape Shape = MethodShape.Plain, string Members = "", string Types = "", string? BaseType = null);
