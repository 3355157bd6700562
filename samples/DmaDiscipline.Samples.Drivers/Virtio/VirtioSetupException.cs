namespace DmaDiscipline.Samples.Drivers.Virtio;

/// <summary>The device could not be brought up: wrong device, features refused, or the device needs a reset.</summary>
public sealed class VirtioSetupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VirtioSetupException(string message)
        : base(message)
    {
    }
}
