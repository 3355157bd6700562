using System.Collections.Immutable;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using ThrowingDma001 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Tests.Editing.AbsorbedFailureTests.ThrowingFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Editing;

/// <summary>
/// A fixer never throws into the IDE: a diagnostic it cannot plan for gets no fix, and the failure goes to
/// <see cref="DmaFixer.AbsorbedFailures"/> (which the other fixer tests turn into a failing test).
/// </summary>
public sealed class AbsorbedFailureTests
{
    private const string RawAddressToRing = """
        using DmaDiscipline.Runtime;

        sealed class Tx
        {
            public void Send(Ring ring, KBuffer buffer, int length) =>
                ring.WriteDesc(0, {|#0:buffer.PhysicalAddress.Value|}, length, DescFlags.None);
        }
        """;

    [Fact]
    public async Task A_fixer_whose_planning_throws_offers_no_fix_and_the_failure_is_observed()
    {
        // NoFixAsync passes only if the diagnostic is reported and no fix is offered; the observer then names the failure.
        var failure = await Assert.ThrowsAsync<AggregateException>(() =>
            ThrowingDma001.NoFixAsync(RawAddressToRing, ThrowingDma001.Diagnostic("DMA001").WithLocation(0)));

        Assert.Contains(failure.InnerExceptions, e => e is InvalidOperationException && e.Message == ThrowingFixer.Message);
        Assert.All(failure.InnerExceptions, e => Assert.IsType<InvalidOperationException>(e));
    }

    /// <summary>A DMA001 fixer that fails while planning, as a fixer meeting code it does not understand might.</summary>
    public sealed class ThrowingFixer : DmaFixer
    {
        public const string Message = "planning failed on purpose";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("DMA001");

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Message);
    }
}
