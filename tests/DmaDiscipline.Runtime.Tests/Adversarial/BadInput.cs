namespace DmaDiscipline.Runtime.Tests.Adversarial;

/// <summary>
/// One bad input to one public member: what it is, the call, and the clear answer expected — an
/// exception of exactly <see cref="Throws"/>, or (when null) a refusal by return value (false or null)
/// as the member documents, with nothing changed.
/// </summary>
internal sealed record BadInput(string Member, string Input, Func<Rig, object?> Call, Type? Throws)
{
    public override string ToString() => $"{Member}: {Input}";
}
