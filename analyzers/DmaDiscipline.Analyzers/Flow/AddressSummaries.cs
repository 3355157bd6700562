using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Per-compilation summaries for <see cref="AddressFlow"/>: what a method of the compilation
    /// returns (or writes to its out/ref parameters) in terms of its parameters, and what the
    /// methods of a type store into its fields. Computed on demand, once, and only resolved at
    /// sinks, so a body is summarised only when a sink depends on it.
    /// </summary>
    internal sealed class AddressSummaries
    {
        // Call chains and field hops followed before giving up (an unknown origin is not reported).
        private const int MaxDepth = 6;

        private readonly DmaSymbols _symbols;
        private readonly CancellationToken _cancellationToken;
        private readonly ConcurrentDictionary<IMethodSymbol, Summary> _methods = new ConcurrentDictionary<IMethodSymbol, Summary>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IFieldSymbol, ImmutableHashSet<Origin>> _fields =
            new ConcurrentDictionary<IFieldSymbol, ImmutableHashSet<Origin>>(SymbolEqualityComparer.Default);

        // The driver's own semantic models, offered by the analyzers: callees in those trees are bound once, not twice.
        private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new ConcurrentDictionary<SyntaxTree, SemanticModel>();

        public void Offer(SemanticModel model) => _models.TryAdd(model.SyntaxTree, model);

        public AddressSummaries(DmaSymbols symbols, CancellationToken cancellationToken)
        {
            _symbols = symbols;
            _cancellationToken = cancellationToken;
        }

        private sealed class Summary
        {
            public static readonly Summary Empty = new Summary(Origin.None, new Dictionary<int, ImmutableHashSet<Origin>>(), new Dictionary<IFieldSymbol, ImmutableHashSet<Origin>>(SymbolEqualityComparer.Default));

            public Summary(ImmutableHashSet<Origin> returns, Dictionary<int, ImmutableHashSet<Origin>> outValues, Dictionary<IFieldSymbol, ImmutableHashSet<Origin>> fieldWrites)
            {
                Returns = returns;
                OutValues = outValues;
                FieldWrites = fieldWrites;
            }

            public ImmutableHashSet<Origin> Returns { get; }
            public Dictionary<int, ImmutableHashSet<Origin>> OutValues { get; }
            public Dictionary<IFieldSymbol, ImmutableHashSet<Origin>> FieldWrites { get; }
        }

        /// <summary>The earliest physical origin the value may have, if any.</summary>
        public PhysicalOrigin? FindPhysical(ImmutableHashSet<Origin> value) => AddressFlow.EarliestPhysical(Resolve(value));

        /// <summary>A forgery when every origin of the value is known and forged (no path brings a real bus address).</summary>
        public ForgedOrigin? FindOnlyForged(ImmutableHashSet<Origin> value)
        {
            ForgedOrigin? forged = null;
            var unknown = false;
            var resolved = Resolve(value, ref unknown);
            if (unknown)
            {
                return null;
            }

            foreach (var origin in resolved)
            {
                if (!(origin is ForgedOrigin f))
                {
                    return null;
                }

                if (Origin.IsEarlier(f.Creation.Syntax, forged?.Creation.Syntax))
                {
                    forged = f;
                }
            }

            return forged;
        }

        public ImmutableHashSet<Origin> Resolve(ImmutableHashSet<Origin> value)
        {
            var unknown = false;
            return Resolve(value, ref unknown);
        }

        private ImmutableHashSet<Origin> Resolve(ImmutableHashSet<Origin> value, ref bool unknown)
        {
            var result = Origin.None;
            Resolve(value, null, 0, ref result, ref unknown);
            return result;
        }

        /// <param name="arguments">The callee's argument values in the caller (for parameter origins); null at the top.</param>
        private void Resolve(ImmutableHashSet<Origin> value, ImmutableArray<ImmutableHashSet<Origin>>? arguments, int depth, ref ImmutableHashSet<Origin> result, ref bool unknown)
        {
            foreach (var origin in value)
            {
                switch (origin)
                {
                    case PhysicalOrigin _:
                    case ForgedOrigin _:
                    case BusOrigin _:
                        result = result.Add(origin);
                        break;
                    case ParameterOrigin parameter:
                        if (arguments is { } args && parameter.Ordinal < args.Length && depth <= MaxDepth)
                        {
                            // The argument belongs to the caller, one level up.
                            Resolve(args[parameter.Ordinal], null, depth + 1, ref result, ref unknown);
                        }
                        else
                        {
                            unknown = true;
                        }

                        break;
                    case CallOrigin call when depth < MaxDepth:
                        {
                            var summary = SummaryOf(call.Method);
                            ImmutableHashSet<Origin>? returned = call.ParameterOrdinal < 0
                                ? summary.Returns
                                : (summary.OutValues.TryGetValue(call.ParameterOrdinal, out var written) ? written : null);
                            if (returned is null || returned.IsEmpty)
                            {
                                unknown = true;
                            }
                            else
                            {
                                Resolve(returned, call.Arguments, depth + 1, ref result, ref unknown);
                            }

                            break;
                        }

                    case FieldOrigin field when depth < MaxDepth:
                        {
                            var writes = FieldWritesOf(field.Field);
                            if (writes is null || writes.IsEmpty)
                            {
                                unknown = true;
                            }
                            else
                            {
                                // Constructor arguments stored into fields are not followed back to the callers.
                                Resolve(writes, null, depth + 1, ref result, ref unknown);
                            }

                            break;
                        }

                    default:
                        unknown = true;
                        break;
                }
            }
        }

        private ImmutableHashSet<Origin>? FieldWritesOf(IFieldSymbol field) =>
            field.ContainingType is null ? null : _fields.GetOrAdd((IFieldSymbol)field.OriginalDefinition, ComputeFieldWrites);

        /// <summary>What the methods of the field's type store into it; only bodies that name the field are summarised.</summary>
        private ImmutableHashSet<Origin> ComputeFieldWrites(IFieldSymbol field)
        {
            var writes = Origin.None;
            foreach (var member in field.ContainingType.GetMembers())
            {
                if (!(member is IMethodSymbol method) || !MentionsName(method, field.Name))
                {
                    continue;
                }

                if (SummaryOf(method).FieldWrites.TryGetValue(field, out var value))
                {
                    writes = writes.Union(value);
                }
            }

            return writes;
        }

        private bool MentionsName(IMethodSymbol method, string name)
        {
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree.GetText(_cancellationToken).ToString(reference.Span).IndexOf(name, System.StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        private Summary SummaryOf(IMethodSymbol method) => _methods.GetOrAdd(method.OriginalDefinition, ComputeSummary);

        private Summary ComputeSummary(IMethodSymbol method)
        {
            var body = BodyOf(method);
            if (body is null)
            {
                return Summary.Empty;
            }

            // A structured body is followed over its tree (StructuredFlow), as its graph would be.
            var flow = new AddressFlow(_symbols, this, method, summarise: true, report: null);
            if (!StructuredFlow.TryRun(body, flow))
            {
                flow = new AddressFlow(_symbols, this, method, summarise: true, report: null);
                if (!(GraphOf(body) is { } graph) || !FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(graph, flow))
                {
                    return Summary.Empty;
                }
            }

            // Out/ref values are collected at exits, which only the reporting pass visits.
            return new Summary(flow.Returns, flow.OutValues, flow.FieldWrites);
        }

        private IOperation? BodyOf(IMethodSymbol method)
        {
            if (method.IsAbstract || method.IsExtern || method.DeclaringSyntaxReferences.IsEmpty
                || !SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _symbols.Compilation.Assembly))
            {
                return null;
            }

            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken);
            if (!_symbols.Compilation.ContainsSyntaxTree(syntax.SyntaxTree))
            {
                return null;
            }

            if (!_models.TryGetValue(syntax.SyntaxTree, out var model))
            {
#pragma warning disable RS1030 // Summaries of callees in trees the driver has not offered yet need their bodies; one model per tree.
                model = _models.GetOrAdd(syntax.SyntaxTree, _symbols.Compilation.GetSemanticModel(syntax.SyntaxTree));
#pragma warning restore RS1030
            }

            return model.GetOperation(syntax, _cancellationToken);
        }

        private ControlFlowGraph? GraphOf(IOperation operation)
        {
            switch (operation)
            {
                case IMethodBodyOperation body:
                    return ControlFlowGraph.Create(body, _cancellationToken);
                case IConstructorBodyOperation constructor:
                    return ControlFlowGraph.Create(constructor, _cancellationToken);
                case IBlockOperation block when block.Parent is null:
                    return ControlFlowGraph.Create(block, _cancellationToken);
                default:
                    return null;
            }
        }
    }
}
