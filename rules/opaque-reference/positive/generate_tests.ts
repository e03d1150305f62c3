export default function () {
  return [{ vars: { question: "hi" } }];
}
