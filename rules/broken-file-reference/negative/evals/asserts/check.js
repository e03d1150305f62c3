module.exports = (output) => output.length > 0;
