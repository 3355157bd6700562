namespace DmaDiscipline.Runtime;

/// <summary>The kind of a device's memory transaction.</summary>
public enum DmaAccess
{
    /// <summary>The device reads memory.</summary>
    Read = 0,

    /// <summary>The device writes memory.</summary>
    Write = 1,
}
