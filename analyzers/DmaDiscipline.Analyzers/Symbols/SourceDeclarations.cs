using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// The member declarations of a compilation's source, read as words for
    /// <see cref="AddressCarriers"/>: which members can hand a body a physical or forged address,
    /// once the names that can are known. Declarations are walked as syntax (bodies are not
    /// descended into, so their nodes are never built); bodies are read as text.
    /// </summary>
    internal sealed class SourceDeclarations
    {
        private readonly List<Unit> _units = new List<Unit>();

        private SourceDeclarations()
        {
        }

        /// <summary>Methods and constructors of the source with an optional bus-address parameter (an omitted argument is a forgery).</summary>
        public HashSet<string> Forgers { get; } = new HashSet<string>(StringComparer.Ordinal);

        private enum UnitKind
        {
            /// <summary>A method: carries when it mentions a carrier (or forges) and returns a value, writes out/ref, or takes a carrier-typed callback.</summary>
            Method,

            /// <summary>A field, property, indexer, event, delegate or primary-constructor parameter: carries when its declared type names a carrier.</summary>
            Value,

            /// <summary>Any other member (constructors, operators, accessors of its own): only its field writes matter.</summary>
            Body,
        }

        private sealed class Unit
        {
            public Unit(UnitKind kind, string[] names, string text, TextSpan span, TextSpan typeSpan, bool returnsSomething, string? typeName)
            {
                Kind = kind;
                Names = names;
                Text = text;
                Span = span;
                TypeSpan = typeSpan;
                ReturnsSomething = returnsSomething;
                TypeName = typeName;
            }

            public UnitKind Kind { get; }
            public string[] Names { get; }
            public bool ReturnsSomething { get; }
            public bool Done { get; set; }

            /// <summary>The words of the declaration that name a declared member or a seed carrier.</summary>
            public List<string> Words { get; } = new List<string>();

            /// <summary>The same, inside the declared type (for a method: return type and parameters).</summary>
            public List<string> TypeWords { get; } = new List<string>();

            /// <summary>Does the declaration make a bus address (<c>default</c>, <c>new(</c>, <c>DmaAddr(</c>)?</summary>
            public bool Forges { get; set; }

            /// <summary>Address-like fields of its own type the member assigns (null once propagated).</summary>
            public List<string>? WrittenFields { get; set; }

            // Until the words are read: where the declaration's text is, and its type's name.
            public string? Text { get; set; }
            public TextSpan Span { get; }
            public TextSpan TypeSpan { get; }
            public string? TypeName { get; }
        }

        /// <summary>Reads every member declaration of the compilation.</summary>
        /// <param name="seeds">Carriers known before the source is read; only these and declared member names are kept as words.</param>
        public static SourceDeclarations Read(Compilation compilation, HashSet<string> addressLikeTypes, NameSet busTypes, NameSet seeds, CancellationToken cancellationToken)
        {
            var result = new SourceDeclarations();
            // Address-like fields by the simple name of their type (partial declarations share it).
            var fieldsByType = new Dictionary<string, NameSet>(StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var text = SourceWords.TextOf(tree);
                var root = tree.GetRoot(cancellationToken);
                foreach (var node in root.DescendantNodes(n => n is CompilationUnitSyntax || n is BaseNamespaceDeclarationSyntax || n is TypeDeclarationSyntax))
                {
                    switch (node)
                    {
                        case DelegateDeclarationSyntax d:
                            result.Add(UnitKind.Value, new[] { d.Identifier.ValueText }, text, d.Span, d.Span, returnsSomething: false, typeName: null);
                            break;
                        case TypeDeclarationSyntax type:
                            result.ReadType(type, text, addressLikeTypes, busTypes, fieldsByType);
                            break;
                    }
                }
            }

            // Words worth keeping: what could ever be a carrier.
            var relevant = new NameSet(seeds.Names);
            foreach (var unit in result._units)
            {
                foreach (var name in unit.Names)
                {
                    relevant.Add(name);
                }
            }

            foreach (var unit in result._units)
            {
                cancellationToken.ThrowIfCancellationRequested();
                NameSet? fields = null;
                if (unit.TypeName is not null)
                {
                    fieldsByType.TryGetValue(unit.TypeName, out fields);
                }

                ReadWords(unit, relevant, busTypes, fields);
                unit.Text = null;
            }

            return result;
        }

        /// <summary>One pass over a declaration's text: its relevant words, whether it forges, which fields it assigns.</summary>
        private static void ReadWords(Unit unit, NameSet relevant, NameSet busTypes, NameSet? fields)
        {
            var text = unit.Text!;
            var span = unit.Span;
            var typeSpan = unit.TypeSpan;
            bool? deconstructs = null;
            SourceWords.ForEach(text, span.Start, span.End, (start, length) =>
            {
                if (relevant.Find(text, start, length) is { } word)
                {
                    unit.Words.Add(word);
                    if (start >= typeSpan.Start && start < typeSpan.End)
                    {
                        unit.TypeWords.Add(word);
                    }
                }

                if (!unit.Forges && AddressCarriers.Forges(text, start, length, span.End, busTypes))
                {
                    unit.Forges = true;
                }

                if (fields?.Find(text, start, length) is { } field && (unit.WrittenFields is null || !unit.WrittenFields.Contains(field)))
                {
                    var end = start + length;
                    var next = SourceWords.NextNonSpace(text, end, span.End, out _);
                    if (SourceWords.AssignmentFollows(text, end, span.End)
                        || ((next == ',' || next == ')') && (deconstructs ??= HasTupleAssignment(text, span))))
                    {
                        unit.WrittenFields ??= new List<string>();
                        unit.WrittenFields.Add(field);
                    }
                }

                return true;
            });
        }

        private void ReadType(TypeDeclarationSyntax type, string text, HashSet<string> addressLikeTypes, NameSet busTypes, Dictionary<string, NameSet> fieldsByType)
        {
            var typeName = type.Identifier.ValueText;
            if (type.ParameterList is { } primary)
            {
                // Primary-constructor parameters are read in every member; record ones are also properties and a Deconstruct.
                foreach (var parameter in primary.Parameters)
                {
                    if (parameter.Type is { } parameterType)
                    {
                        Add(UnitKind.Value, new[] { parameter.Identifier.ValueText, typeName }, text, parameter.Span, parameterType.Span, returnsSomething: false, typeName: null);
                    }
                }

                AddForger(primary, typeName, busTypes);
            }

            foreach (var member in type.Members)
            {
                switch (member)
                {
                    case MethodDeclarationSyntax method:
                        {
                            var name = method.Identifier.ValueText;
                            var names = name == "Deconstruct" || name == "GetEnumerator" ? new[] { name, typeName } : new[] { name };
                            var returnsSomething = !(method.ReturnType is PredefinedTypeSyntax predefined && predefined.Keyword.IsKind(SyntaxKind.VoidKeyword))
                                || HasRefOrOut(method.ParameterList);
                            var signature = TextSpan.FromBounds(method.ReturnType.SpanStart, method.ParameterList.Span.End);
                            Add(UnitKind.Method, names, text, method.Span, signature, returnsSomething, typeName);
                            AddForger(method.ParameterList, name, busTypes);
                            break;
                        }

                    case ConstructorDeclarationSyntax constructor:
                        Add(UnitKind.Body, Array.Empty<string>(), text, constructor.Span, default, returnsSomething: false, typeName);
                        AddForger(constructor.ParameterList, typeName, busTypes);
                        break;
                    case PropertyDeclarationSyntax property:
                        Add(UnitKind.Value, new[] { property.Identifier.ValueText }, text, property.Span, property.Type.Span, returnsSomething: false, typeName);
                        break;
                    case IndexerDeclarationSyntax indexer:
                        // Read as x[i]: the type's name is what a body shows.
                        Add(UnitKind.Value, new[] { typeName }, text, indexer.Span, indexer.Type.Span, returnsSomething: false, typeName);
                        break;
                    case EventDeclarationSyntax @event:
                        Add(UnitKind.Value, new[] { @event.Identifier.ValueText }, text, @event.Span, @event.Type.Span, returnsSomething: false, typeName);
                        break;
                    case BaseFieldDeclarationSyntax field:
                        {
                            var names = new string[field.Declaration.Variables.Count];
                            for (var i = 0; i < names.Length; i++)
                            {
                                names[i] = field.Declaration.Variables[i].Identifier.ValueText;
                            }

                            Add(UnitKind.Value, names, text, field.Span, field.Declaration.Type.Span, returnsSomething: false, typeName);
                            if (field is FieldDeclarationSyntax && addressLikeTypes.Contains(LastName(field.Declaration.Type.ToString())))
                            {
                                if (!fieldsByType.TryGetValue(typeName, out var fields))
                                {
                                    fields = new NameSet();
                                    fieldsByType.Add(typeName, fields);
                                }

                                foreach (var name in names)
                                {
                                    fields.Add(name);
                                }
                            }

                            break;
                        }

                    case BaseTypeDeclarationSyntax _:
                    case DelegateDeclarationSyntax _:
                        // Nested types and delegates are read on their own.
                        break;
                    default:
                        Add(UnitKind.Body, Array.Empty<string>(), text, member.Span, default, returnsSomething: false, typeName);
                        break;
                }
            }
        }

        private void Add(UnitKind kind, string[] names, string text, TextSpan span, TextSpan typeSpan, bool returnsSomething, string? typeName)
        {
            _units.Add(new Unit(kind, names, text, span, typeSpan, returnsSomething, typeName));
        }

        /// <summary>A DmaAddr parameter with a default: callers that omit it pass default(DmaAddr) without spelling it.</summary>
        private void AddForger(BaseParameterListSyntax parameters, string name, NameSet busTypes)
        {
            foreach (var parameter in parameters.Parameters)
            {
                if (parameter.Type is { } type && busTypes.Contains(LastName(type.ToString()))
                    && (parameter.Default is not null || parameter.AttributeLists.Count > 0))
                {
                    Forgers.Add(name);
                }
            }
        }

        private static bool HasRefOrOut(ParameterListSyntax parameters)
        {
            foreach (var parameter in parameters.Parameters)
            {
                foreach (var modifier in parameter.Modifiers)
                {
                    if (modifier.IsKind(SyntaxKind.RefKeyword) || modifier.IsKind(SyntaxKind.OutKeyword))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Is there a <c>(…) =</c> in the text (a deconstructing assignment)?</summary>
        private static bool HasTupleAssignment(string text, TextSpan span)
        {
            for (var i = span.Start; i < span.End; i++)
            {
                if (text[i] == ')' && SourceWords.AssignmentFollows(text, i + 1, span.End))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Adds the names of every member that can carry an address, until nothing more is added.</summary>
        public void Propagate(NameSet carriers, CancellationToken cancellationToken)
        {
            bool changed;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                changed = false;
                foreach (var unit in _units)
                {
                    if (!unit.Done && Carries(unit, carriers))
                    {
                        unit.Done = true;
                        foreach (var name in unit.Names)
                        {
                            changed |= carriers.Add(name);
                        }
                    }

                    if (unit.WrittenFields is { } written && (unit.Forges || Intersects(unit.Words, carriers)))
                    {
                        unit.WrittenFields = null;
                        foreach (var field in written)
                        {
                            changed |= carriers.Add(field);
                        }
                    }
                }
            }
            while (changed);
        }

        private static bool Carries(Unit unit, NameSet carriers)
        {
            switch (unit.Kind)
            {
                case UnitKind.Method:
                    return (unit.Forges || Intersects(unit.Words, carriers)) && (unit.ReturnsSomething || Intersects(unit.TypeWords, carriers));
                case UnitKind.Value:
                    return Intersects(unit.TypeWords, carriers);
                default:
                    return false;
            }
        }

        private static bool Intersects(List<string> words, NameSet names)
        {
            foreach (var word in words)
            {
                if (names.Contains(word))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The simple name a type is written with: <c>global::System.UInt64?</c> → <c>UInt64</c>.</summary>
        public static string LastName(string typeText)
        {
            var text = typeText.Trim().TrimEnd('?');
            var generic = text.IndexOf('<');
            if (generic >= 0)
            {
                text = text.Substring(0, generic);
            }

            var dot = Math.Max(text.LastIndexOf('.'), text.LastIndexOf(':'));
            return dot >= 0 ? text.Substring(dot + 1).Trim() : text;
        }
    }
}
