using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Runs a <see cref="FlowAnalysis{TState}"/> to a fixpoint over a control-flow graph, then runs a
    /// final reporting pass. Finally regions are run on every branch that leaves through them (the
    /// graph has no edges into them); catch handlers start from the join of every state seen in
    /// their try region (any call there may throw). Explicit throws are exits unless caught.
    /// </summary>
    internal sealed class FlowSolver<TState>
        where TState : class
    {
        // Bounds the work on pathological bodies; when exceeded the body is not analysed (no diagnostics).
        private const int VisitsPerBlock = 24;

        private readonly ControlFlowGraph _graph;
        private readonly FlowAnalysis<TState> _analysis;
        private readonly BasicBlock[] _blocks;
        private readonly List<int>[] _handlers;
        private int _budget;

        private FlowSolver(ControlFlowGraph graph, FlowAnalysis<TState> analysis)
        {
            _graph = graph;
            _analysis = analysis;
            _blocks = new BasicBlock[graph.Blocks.Length];
            graph.Blocks.CopyTo(_blocks);
            _handlers = new List<int>[_blocks.Length];
            CollectHandlers(graph.Root);
            _hasFinally = AnyRegion(graph.Root, region => region.Kind == ControlFlowRegionKind.Finally);
            _budget = (_blocks.Length + 4) * VisitsPerBlock;
        }

        /// <summary>The most blocks a graph may have to be analysed (a larger one is given up on before anything is visited).</summary>
        public const int MaxBlocks = 2000;

        /// <summary>Analyses the graph; false when the body was too large or complex to finish (nothing reported then).</summary>
        [MethodImpl(Jit.Optimized)]
        public static bool Run(ControlFlowGraph graph, FlowAnalysis<TState> analysis, int maxBlocks = MaxBlocks) => Run(graph, analysis, out _, maxBlocks);

        /// <summary>Analyses the graph; false when the body was too large or complex to finish, with <paramref name="limit"/> saying which limit stopped it (for the "not analysed" report).</summary>
        [MethodImpl(Jit.Optimized)]
        public static bool Run(ControlFlowGraph graph, FlowAnalysis<TState> analysis, out string? limit, int maxBlocks = MaxBlocks)
        {
            limit = null;
            if (graph.Blocks.Length > maxBlocks)
            {
                limit = "its control-flow graph has " + graph.Blocks.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    + " blocks, more than the " + maxBlocks.ToString(System.Globalization.CultureInfo.InvariantCulture) + " analysed";
                return false;
            }

            try
            {
                return Solve(graph, analysis, out limit);
            }
            catch (System.InsufficientExecutionStackException)
            {
                // An expression nested deeper than the thread's stack allows: no finding of the run is reported (every
                // caller holds them until it completes), and the body is said not to be analysed, never dropped.
                limit = "an expression in it is nested deeper than the analysis can follow on this thread's stack";
                return false;
            }
        }

        [MethodImpl(Jit.Optimized)]
        private static bool Solve(ControlFlowGraph graph, FlowAnalysis<TState> analysis, out string? limit)
        {
            limit = null;
            var solver = new FlowSolver<TState>(graph, analysis);
            if (IsForwardOnly(graph))
            {
                // Every block is visited once, after all its predecessors, so the first state it sees is
                // final: the fixpoint pass can report, and no second pass is needed.
                if (solver.Solve(0, solver._blocks.Length - 1, analysis.Entry, out _, report: true) is null)
                {
                    limit = solver.Limit;
                    return false;
                }

                analysis.Completed();
                return true;
            }

            var entries = solver.Solve(0, solver._blocks.Length - 1, analysis.Entry, out _, report: false);
            if (entries is null)
            {
                limit = solver.Limit;
                return false;
            }

            solver.Report(0, solver._blocks.Length - 1, entries);
            analysis.Completed();
            return true;
        }

        /// <summary>No loop (every branch goes to a later block) and no exception-handling region.</summary>
        [MethodImpl(Jit.Optimized)]
        private static bool IsForwardOnly(ControlFlowGraph graph)
        {
            foreach (var block in graph.Blocks)
            {
                if (!Forward(block, block.ConditionalSuccessor) || !Forward(block, block.FallThroughSuccessor))
                {
                    return false;
                }
            }

            return !AnyRegion(graph.Root, region => region.Kind != ControlFlowRegionKind.Root && region.Kind != ControlFlowRegionKind.LocalLifetime);

            static bool Forward(BasicBlock block, ControlFlowBranch? branch) =>
                branch?.Destination is not { } destination || destination.Ordinal > block.Ordinal;
        }

        private string Limit => "the dataflow did not settle within its budget of "
            + ((_blocks.Length + 4) * VisitsPerBlock).ToString(System.Globalization.CultureInfo.InvariantCulture) + " block visits";

        // A branch's finally regions are computed on each request: skip the question where there are none.
        private readonly bool _hasFinally;

        /// <summary>Is <paramref name="region"/> or a region nested in it one that <paramref name="test"/> accepts?</summary>
        private static bool AnyRegion(ControlFlowRegion region, System.Func<ControlFlowRegion, bool> test)
        {
            if (test(region))
            {
                return true;
            }

            foreach (var nested in region.NestedRegions)
            {
                if (AnyRegion(nested, test))
                {
                    return true;
                }
            }

            return false;
        }

        [MethodImpl(Jit.Optimized)]
        private void CollectHandlers(ControlFlowRegion region)
        {
            if (region.Kind == ControlFlowRegionKind.TryAndCatch && region.NestedRegions.Length > 1)
            {
                var tryRegion = region.NestedRegions[0];
                for (var i = 1; i < region.NestedRegions.Length; i++)
                {
                    var handlerStart = region.NestedRegions[i].FirstBlockOrdinal;
                    for (var b = tryRegion.FirstBlockOrdinal; b <= tryRegion.LastBlockOrdinal; b++)
                    {
                        (_handlers[b] ??= new List<int>()).Add(handlerStart);
                    }
                }
            }

            foreach (var nested in region.NestedRegions)
            {
                CollectHandlers(nested);
            }
        }

        /// <summary>Fixpoint over blocks [first, last] from <paramref name="entryState"/>; returns the entry states, and the join of the states that leave a finally region.</summary>
        [MethodImpl(Jit.Optimized)]
        private TState?[]? Solve(int first, int last, TState entryState, out TState? finallyExit, bool report)
        {
            finallyExit = null;
            var entries = new TState?[_blocks.Length];
            entries[first] = entryState;
            var work = new SortedSet<int> { first };
            while (work.Count > 0)
            {
                if (--_budget < 0)
                {
                    return null;
                }

                var ordinal = work.Min;
                work.Remove(ordinal);
                var block = _blocks[ordinal];
                var state = entries[ordinal]!;
                var handlers = _handlers[ordinal];
                var exitState = Transfer(block, state, report, out var conditionalState, handlers is not null, out var thrown, out var everyState);
                if (handlers is not null)
                {
                    // What a handler starts from: the states before the operations that may throw, or
                    // (where the analysis does not say) every state of the block.
                    var handlerState = everyState ? _analysis.Join(state, exitState) : thrown;
                    if (block.FallThroughSuccessor?.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
                    {
                        // An explicit throw reaches the handler with the state it is thrown in.
                        handlerState = handlerState is null ? exitState : _analysis.Join(handlerState, exitState);
                    }

                    foreach (var handler in handlers)
                    {
                        if (handlerState is not null && handler >= first && handler <= last)
                        {
                            Merge(entries, work, handler, handlerState);
                        }
                    }
                }

                if (!Follow(Taken(block, conditional: true), conditionalState, entries, work, first, last, ref finallyExit, report))
                {
                    return null;
                }

                if (!Follow(Taken(block, conditional: false), exitState, entries, work, first, last, ref finallyExit, report))
                {
                    return null;
                }
            }

            return entries;
        }

        [MethodImpl(Jit.Optimized)]
        private void Report(int first, int last, TState?[] entries)
        {
            TState? ignored = null;
            for (var ordinal = first; ordinal <= last; ordinal++)
            {
                var state = entries[ordinal];
                if (state is null)
                {
                    continue;
                }

                var block = _blocks[ordinal];
                var exitState = Transfer(block, state, report: true, out var conditionalState, false, out _, out _);
                Follow(Taken(block, conditional: true), conditionalState, null, null, first, last, ref ignored, report: true);
                Follow(Taken(block, conditional: false), exitState, null, null, first, last, ref ignored, report: true);
            }
        }

        /// <summary>
        /// Transfers a block; returns the fall-through state and the conditional-successor state. With
        /// <paramref name="caught"/> (the block is in a try region with catch handlers), also the join of
        /// the states before its operations that may throw (<paramref name="thrown"/>), or
        /// <paramref name="everyState"/> where the analysis cannot say which may.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private TState Transfer(BasicBlock block, TState state, bool report, out TState conditionalState, bool caught, out TState? thrown, out bool everyState)
        {
            thrown = null;
            everyState = false;
            foreach (var operation in block.Operations)
            {
                if (caught)
                {
                    Thrown(operation, state, ref thrown, ref everyState);
                }

                state = _analysis.Visit(operation, state, report);
            }

            conditionalState = state;
            var branchValue = block.BranchValue;
            if (branchValue is null)
            {
                return state;
            }

            if (caught)
            {
                Thrown(branchValue, state, ref thrown, ref everyState);
            }

            if (block.ConditionKind != ControlFlowConditionKind.None)
            {
                state = _analysis.Visit(branchValue, state, report);
                _analysis.Split(branchValue, state, out var whenTrue, out var whenFalse);
                var jumpWhenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                conditionalState = jumpWhenTrue ? whenTrue : whenFalse;
                return jumpWhenTrue ? whenFalse : whenTrue;
            }

            if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return)
            {
                return _analysis.Returned(branchValue, state, report);
            }

            return _analysis.Visit(branchValue, state, report);
        }

        /// <summary>
        /// The successor a block may take: none for the branch of a pattern test that always matches — a
        /// discard or <c>var</c> pattern, which the graph still builds as a test (a switch expression's
        /// <c>_</c> arm, behind which it puts the throw for a value no arm matches).
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static ControlFlowBranch? Taken(BasicBlock block, bool conditional)
        {
            var branch = conditional ? block.ConditionalSuccessor : block.FallThroughSuccessor;
            if (branch is null || block.ConditionKind == ControlFlowConditionKind.None
                || !(block.BranchValue is IIsPatternOperation { Pattern: IDiscardPatternOperation or IDeclarationPatternOperation { MatchesNull: true } }))
            {
                return branch;
            }

            // Always true: only the successor taken when true is.
            return conditional == (block.ConditionKind == ControlFlowConditionKind.WhenTrue) ? branch : null;
        }

        [MethodImpl(Jit.Optimized)]
        private void Thrown(IOperation operation, TState before, ref TState? thrown, ref bool everyState)
        {
            switch (_analysis.MayThrow(operation))
            {
                case null:
                    everyState = true;
                    break;
                case true:
                    var atThrow = _analysis.AtThrow(operation, before);
                    thrown = thrown is null ? atThrow : _analysis.Join(thrown, atThrow);
                    break;
            }
        }

        [MethodImpl(Jit.Optimized)]
        private bool Follow(ControlFlowBranch? branch, TState state, TState?[]? entries, SortedSet<int>? work, int first, int last, ref TState? finallyExit, bool report)
        {
            if (branch is null)
            {
                return true;
            }

            switch (branch.Semantics)
            {
                case ControlFlowBranchSemantics.Throw:
                case ControlFlowBranchSemantics.Rethrow:
                    return Thrown(branch.Source, state, report);
                case ControlFlowBranchSemantics.StructuredExceptionHandling:
                    finallyExit = finallyExit is null ? state : _analysis.Join(finallyExit, state);
                    return true;
                case ControlFlowBranchSemantics.Error:
                case ControlFlowBranchSemantics.ProgramTermination:
                case ControlFlowBranchSemantics.None:
                    return true;
            }

            foreach (var region in _hasFinally ? branch.FinallyRegions : ImmutableArray<ControlFlowRegion>.Empty)
            {
                var after = RunFinally(region, state, report);
                if (after is null)
                {
                    // A finally that never completes normally (it throws): nothing flows on.
                    return !_exhausted;
                }

                state = after;
            }

            var destination = branch.Destination;
            if (destination is null)
            {
                return true;
            }

            if (destination.Kind == BasicBlockKind.Exit)
            {
                if (report)
                {
                    _analysis.AtExit(state, ExitKind.Return, ExitOperation(branch.Source));
                }

                return true;
            }

            if (entries is not null && work is not null && destination.Ordinal >= first && destination.Ordinal <= last)
            {
                Merge(entries, work, destination.Ordinal, state);
            }

            return true;
        }

        private bool _exhausted;

        [MethodImpl(Jit.Optimized)]
        private TState? RunFinally(ControlFlowRegion region, TState state, bool report)
        {
            var entries = Solve(region.FirstBlockOrdinal, region.LastBlockOrdinal, state, out var exit, report: false);
            if (entries is null)
            {
                _exhausted = true;
                return null;
            }

            if (report)
            {
                Report(region.FirstBlockOrdinal, region.LastBlockOrdinal, entries);
            }

            return exit;
        }

        /// <summary>An exception leaves <paramref name="source"/>: run the enclosing finally regions; stop at a catch (the handler already has this state).</summary>
        [MethodImpl(Jit.Optimized)]
        private bool Thrown(BasicBlock source, TState state, bool report)
        {
            for (var region = source.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                var parent = region.EnclosingRegion;
                if (region.Kind != ControlFlowRegionKind.Try || parent is null)
                {
                    continue;
                }

                if (parent.Kind == ControlFlowRegionKind.TryAndCatch)
                {
                    return true;
                }

                if (parent.Kind == ControlFlowRegionKind.TryAndFinally && parent.NestedRegions.Length > 1)
                {
                    var after = RunFinally(parent.NestedRegions[1], state, report);
                    if (after is null)
                    {
                        return !_exhausted;
                    }

                    state = after;
                }
            }

            if (report)
            {
                _analysis.AtExit(state, ExitKind.Throw, source.BranchValue ?? LastOperation(source));
            }

            return true;
        }

        [MethodImpl(Jit.Optimized)]
        private static IOperation? ExitOperation(BasicBlock source) => source.BranchValue ?? LastOperation(source);

        [MethodImpl(Jit.Optimized)]
        private static IOperation? LastOperation(BasicBlock block) =>
            block.Operations.Length > 0 ? block.Operations[block.Operations.Length - 1] : null;

        [MethodImpl(Jit.Optimized)]
        private void Merge(TState?[] entries, SortedSet<int> work, int ordinal, TState state)
        {
            var existing = entries[ordinal];
            if (existing is null)
            {
                entries[ordinal] = state;
                work.Add(ordinal);
                return;
            }

            var merged = _analysis.Merge(existing, state);
            if (!ReferenceEquals(merged, existing))
            {
                entries[ordinal] = merged;
                work.Add(ordinal);
            }
        }
    }
}
