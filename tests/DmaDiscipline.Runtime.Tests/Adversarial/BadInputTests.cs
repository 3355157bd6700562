namespace DmaDiscipline.Runtime.Tests.Adversarial;

/// <summary>
/// Bad input for every public method of the runtime: the public surface is enumerated by reflection,
/// every member that takes arguments has documented bad inputs (or a stated reason why every input
/// is meaningful), and each bad input gets a clear answer — the documented exception type with a
/// message, or a refusal by return value — never an internal exception, with debugging off and on.
/// </summary>
public sealed class BadInputTests
{
    private static readonly Type[] InternalErrors =
    [
        typeof(NullReferenceException), typeof(IndexOutOfRangeException), typeof(InvalidCastException),
        typeof(KeyNotFoundException), typeof(DivideByZeroException), typeof(OverflowException), typeof(ArithmeticException),
    ];

    public static TheoryData<string, DmaDebugMode> Cases()
    {
        var data = new TheoryData<string, DmaDebugMode>();
        foreach (BadInput input in BadInputCases.All())
        {
            data.Add(input.ToString(), DmaDebugMode.Off);
            data.Add(input.ToString(), DmaDebugMode.Collect);
        }

        return data;
    }

    [Fact]
    public void EveryPublicMemberWithArguments_HasBadInputs_OrSaysWhyEveryInputIsMeaningful()
    {
        SortedSet<string> surface = PublicSurface.Members();
        var covered = new HashSet<string>(BadInputCases.All().Select(c => c.Member));

        Assert.Equal([], surface.Where(m => !covered.Contains(m) && !BadInputCases.NoBadInput.ContainsKey(m)).ToArray());   // members nobody looked at
        Assert.Equal([], covered.Concat(BadInputCases.NoBadInput.Keys).Where(m => !surface.Contains(m)).ToArray());       // entries for members that do not exist
        Assert.Equal([], covered.Where(BadInputCases.NoBadInput.ContainsKey).ToArray());                                    // one verdict per member
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ABadInput_GetsItsClearAnswer(string input, DmaDebugMode mode)
    {
        BadInput bad = BadInputCases.All().Single(c => c.ToString() == input);
        var rig = new Rig(mode);
        object? result = null;

        Exception? error = Record.Exception(() => result = bad.Call(rig));

        if (bad.Throws is null)
        {
            Assert.Null(error);
            Assert.True(result is null or false, $"{bad} was accepted: it returned {result}");
        }
        else
        {
            Assert.NotNull(error);
            Assert.DoesNotContain(error.GetType(), InternalErrors);
            Assert.Equal(bad.Throws, error.GetType());
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
    }
}
