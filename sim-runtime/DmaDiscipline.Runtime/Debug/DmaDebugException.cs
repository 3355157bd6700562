namespace DmaDiscipline.Runtime;

/// <summary>Thrown by the DMA debug layer in <see cref="DmaDebugMode.Throw"/> mode.</summary>
public sealed class DmaDebugException : Exception
{
    /// <summary>Creates the exception for a violation.</summary>
    public DmaDebugException(DmaViolation violation)
        : base(violation?.ToString())
    {
        ArgumentNullException.ThrowIfNull(violation);
        Violation = violation;
    }

    /// <summary>The violation.</summary>
    public DmaViolation Violation { get; }
}
