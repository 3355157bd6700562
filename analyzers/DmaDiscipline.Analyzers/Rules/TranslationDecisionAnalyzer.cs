using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Rules
{
    /// <summary>
    /// DMA007: a branch on IOMMU presence or mode (a translation query) that chooses between giving
    /// the device a physical address and using the DMA API. Branching on the IOMMU for anything else
    /// (logging, statistics, batch sizes) is not reported.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class TranslationDecisionAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DMA007);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            // Generated code is not analysed. Diagnostics are not filtered again: they only ever fall in
            // the analysed (so not generated) body, and the driver's filter would scan the whole tree for
            // [GeneratedCode] declarations on the first diagnostic in each file.
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(start =>
            {
                var symbols = DmaSymbols.Create(start.Compilation, start.Options, start.CancellationToken);
                if (!symbols.IsActive || symbols.CompilationIsPlatform)
                {
                    return;
                }

                var names = symbols.Names(start.CancellationToken);
                start.RegisterCodeBlockAction(block => Analyze(block, symbols, names));
            });
        }

        /// <summary>Runs on every body: only the text prefilter, compiled optimised; the few bodies it keeps are analysed by <see cref="AnalyzeBody"/>.</summary>
        [MethodImpl(Jit.Optimized)]
        private static void Analyze(CodeBlockAnalysisContext context, DmaSymbols symbols, InterestingNames names)
        {
            // Token prefilter: the rule needs the DMA API and a physical source in the same body.
            if (InterestingNames.Mentions(context.CodeBlock, names.Mapping) && InterestingNames.Mentions(context.CodeBlock, names.Physical)
                && !symbols.IsPlatformCode(context.OwningSymbol))
            {
                AnalyzeBody(context, symbols);
            }
        }

        private static void AnalyzeBody(CodeBlockAnalysisContext context, DmaSymbols symbols)
        {
            foreach (var root in new[] { BodyAnalysis.RootOf(context) })
            {
                if (root is null)
                {
                    continue;
                }

                HashSet<ILocalSymbol>? queryLocals = null;
                List<(IOperation Condition, IReadOnlyList<IOperation> Arms, bool SinkOutside)>? branches = null;
                var usesApi = false;
                foreach (var operation in root.Descendants())
                {
                    switch (operation)
                    {
                        case IInvocationOperation invocation when (symbols.RolesOf(invocation.TargetMethod) & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0:
                            usesApi = true;
                            break;
                        case IVariableDeclaratorOperation declarator when declarator.Initializer is { } initializer && FindQuery(initializer.Value, symbols, null) is not null:
                            (queryLocals ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(declarator.Symbol);
                            break;
                        case ISimpleAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation local && FindQuery(assignment.Value, symbols, null) is not null:
                            (queryLocals ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(local.Local);
                            break;
                        case IConditionalOperation conditional:
                            (branches ??= new List<(IOperation, IReadOnlyList<IOperation>, bool)>()).Add((conditional.Condition, Arms(conditional.WhenTrue, conditional.WhenFalse), FlowsIntoSink(conditional, symbols)));
                            break;
                        case ISwitchOperation @switch:
                            {
                                var arms = new List<IOperation>();
                                foreach (var section in @switch.Cases)
                                {
                                    arms.AddRange(section.Body);
                                }

                                (branches ??= new List<(IOperation, IReadOnlyList<IOperation>, bool)>()).Add((@switch.Value, arms, false));
                                break;
                            }

                        case ISwitchExpressionOperation switchExpression:
                            {
                                var arms = new List<IOperation>();
                                foreach (var arm in switchExpression.Arms)
                                {
                                    arms.Add(arm.Value);
                                }

                                (branches ??= new List<(IOperation, IReadOnlyList<IOperation>, bool)>()).Add((switchExpression.Value, arms, FlowsIntoSink(switchExpression, symbols)));
                                break;
                            }
                    }
                }

                if (branches is null || !usesApi)
                {
                    continue;
                }

                foreach (var (condition, arms, sinkOutside) in branches)
                {
                    var query = FindQuery(condition, symbols, queryLocals);
                    if (query is null)
                    {
                        continue;
                    }

                    foreach (var arm in arms)
                    {
                        if (PhysicalToDevice(arm, symbols, sinkOutside) is { } physical && ApiOutside(root, arm, symbols))
                        {
                            context.ReportDiagnostic(Diagnostic.Create(Descriptors.DMA007, query.Syntax.GetLocation(), new[] { physical.Syntax.GetLocation() }, Keys.Describe(query)));
                            break;
                        }
                    }
                }
            }
        }

        private static IReadOnlyList<IOperation> Arms(IOperation whenTrue, IOperation? whenFalse) =>
            whenFalse is null ? new[] { whenTrue } : new[] { whenTrue, whenFalse };

        /// <summary>A read of a translation query in a condition (or of a local that holds one).</summary>
        private static IOperation? FindQuery(IOperation condition, DmaSymbols symbols, HashSet<ILocalSymbol>? queryLocals)
        {
            foreach (var operation in Self(condition))
            {
                switch (operation)
                {
                    case IPropertyReferenceOperation property when IsQuery(property.Property, property.Type, symbols):
                        return operation;
                    case IFieldReferenceOperation field when !field.Field.HasConstantValue && IsQuery(field.Field, field.Type, symbols):
                        return operation;
                    case IInvocationOperation invocation when IsQuery(invocation.TargetMethod, invocation.Type, symbols):
                        return operation;
                    case ILocalReferenceOperation local when queryLocals is not null && queryLocals.Contains(local.Local):
                        return operation;
                }
            }

            return null;
        }

        private static bool IsQuery(ISymbol member, ITypeSymbol? type, DmaSymbols symbols) =>
            (symbols.RolesOf(member) & DmaRole.TranslationQuery) != 0 || symbols.IsTranslationType(type);

        private static IEnumerable<IOperation> Self(IOperation operation)
        {
            yield return operation;
            foreach (var descendant in operation.Descendants())
            {
                yield return descendant;
            }
        }

        /// <summary>The physical source in an arm that also hands something to a device-visible sink.</summary>
        private static IOperation? PhysicalToDevice(IOperation arm, DmaSymbols symbols, bool sinkOutside)
        {
            IOperation? physical = null;
            var sink = sinkOutside;
            foreach (var operation in Self(arm))
            {
                switch (operation)
                {
                    case IMemberReferenceOperation member when (symbols.RolesOf(member.Member) & DmaRole.PhysicalSource) != 0:
                    case IInvocationOperation invocation when (symbols.RolesOf(invocation.TargetMethod) & DmaRole.PhysicalSource) != 0:
                        physical ??= operation;
                        break;
                    case IArgumentOperation argument when argument.Parameter is not null && symbols.IsBusSinkParameter(argument.Parameter):
                        sink = true;
                        break;
                    case IAssignmentOperation assignment when assignment.Target is IMemberReferenceOperation target && symbols.IsBusSinkMember(target.Member):
                        sink = true;
                        break;
                    case IObjectCreationOperation creation when symbols.IsBusAddressType(creation.Type):
                        sink = true;
                        break;
                }
            }

            return sink ? physical : null;
        }

        /// <summary>An expression (?: or switch) whose value is given to a device-visible sink.</summary>
        private static bool FlowsIntoSink(IOperation expression, DmaSymbols symbols)
        {
            if (expression.Type is null || expression.Type.SpecialType == SpecialType.System_Void)
            {
                return false;
            }

            var current = expression;
            for (var parent = expression.Parent; parent is not null; current = parent, parent = parent.Parent)
            {
                switch (parent)
                {
                    case IConversionOperation _:
                    case IBinaryOperation _:
                    case IPropertyReferenceOperation _:
                    case IParenthesizedOperation _:
                        continue;
                    case IAssignmentOperation assignment when assignment.Value == current:
                        return assignment.Target is IMemberReferenceOperation target && symbols.IsBusSinkMember(target.Member);
                    case IArgumentOperation argument:
                        return argument.Parameter is not null && symbols.IsBusSinkParameter(argument.Parameter);
                    case IObjectCreationOperation creation:
                        return symbols.IsBusAddressType(creation.Type);
                    default:
                        return false;
                }
            }

            return false;
        }

        private static bool ApiOutside(IOperation root, IOperation arm, DmaSymbols symbols)
        {
            foreach (var operation in root.Descendants())
            {
                if (operation is IInvocationOperation invocation && (symbols.RolesOf(invocation.TargetMethod) & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0
                    && !Contains(arm, invocation))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Contains(IOperation ancestor, IOperation operation)
        {
            for (var current = operation; current is not null; current = current.Parent)
            {
                if (current == ancestor)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
